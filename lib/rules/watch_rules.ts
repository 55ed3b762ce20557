/**
 * @module
 * Hot reload of site rules: watches the root (not recursively) for
 * `_headers` / `_redirects` and the config file's directory for the config
 * file, debounces bursts of events (editors write in several steps), reloads,
 * and swaps the holder's rules in one assignment. When the new rules are
 * invalid the old ones stay in force and every problem is logged with its
 * file and line.
 */

import { basename, dirname, resolve } from "node:path";
import { getLogger } from "@logtape/logtape";
import { LOG_CATEGORY } from "../log/setup.ts";
import { formatRuleProblem } from "./rule_error.ts";
import { type LoadSiteRulesResult, SITE_RULE_FILES, type SiteRulesHolder } from "./site_rules.ts";

/** Options for {@linkcode watchSiteRules}. */
export interface WatchSiteRulesOptions {
  /** Real path of the served root. */
  root: string;
  /** Absolute path of the config file, or `null` when there is none. */
  configFile: string | null;
  /** The holder the middlewares read. */
  holder: SiteRulesHolder;
  /** Reads every rules source again (files and config). */
  reload(): Promise<LoadSiteRulesResult>;
  /** Quiet time after the last event before reloading; default 100 ms. */
  debounceMs?: number;
  /** Called after each reload attempt (tests wait on it). */
  onReload?(result: LoadSiteRulesResult): void;
}

/** A running watcher. */
export interface RulesWatcher {
  /** Stops watching; pending reloads are dropped. */
  close(): void;
}

/** Default debounce delay. */
const RELOAD_DEBOUNCE_MS = 100;

/** Starts watching; never throws (a watch that cannot start is logged and skipped). */
export function watchSiteRules(options: WatchSiteRulesOptions): RulesWatcher {
  const logger = getLogger([...LOG_CATEGORY, "rules"]);
  const root = resolve(options.root);
  const ruleFiles = new Set(Object.values(SITE_RULE_FILES).map((name) => resolve(root, name)));
  const configFile = options.configFile === null ? null : resolve(options.configFile);
  const debounceMs = options.debounceMs ?? RELOAD_DEBOUNCE_MS;
  const watchers: Deno.FsWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let running: Promise<void> | null = null;
  let again = false;

  const relevant = (path: string) => {
    const absolute = resolve(path);
    return ruleFiles.has(absolute) || absolute === configFile;
  };

  const runReload = async () => {
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        let result: LoadSiteRulesResult;
        try {
          result = await options.reload();
        } catch (error) {
          result = {
            ok: false,
            problems: [{ source: "rules", line: 0, message: String(error) }],
          };
        }
        if (closed) return;
        if (result.ok) {
          options.holder.set(result.rules);
          logger.info("Reloaded site rules: {headers} header rules, {redirects} redirect rules", {
            headers: result.rules.headers.length,
            redirects: result.rules.redirects.length,
          });
        } else {
          for (const problem of result.problems) {
            logger.error("Keeping the previous site rules: {problem}", {
              problem: formatRuleProblem(problem),
            });
          }
        }
        options.onReload?.(result);
      } while (again && !closed);
    })();
    await running;
    running = null;
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runReload(), debounceMs);
  };

  /** Starts one watcher; false when it cannot (no permission, missing path). */
  const watch = (paths: string[]): boolean => {
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(paths, { recursive: false });
    } catch {
      return false;
    }
    watchers.push(watcher);
    void (async () => {
      try {
        for await (const event of watcher) {
          if (event.paths.some(relevant)) schedule();
        }
      } catch {
        // Closed.
      }
    })();
    return true;
  };

  if (!watch([root])) logger.warn("Cannot watch {root} for rule changes", { root });
  // The directory sees editors that replace the file; fall back to the file itself.
  if (
    configFile !== null && dirname(configFile) !== root && !watch([dirname(configFile)]) &&
    !watch([configFile])
  ) {
    logger.warn("Cannot watch {configFile} for rule changes", { configFile });
  }
  logger.info("Watching {files} for rule changes", {
    files: [...Object.values(SITE_RULE_FILES), ...(configFile ? [basename(configFile)] : [])]
      .join(", "),
  });

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) {
        try {
          watcher.close();
        } catch {
          // Already closed.
        }
      }
    },
  };
}
