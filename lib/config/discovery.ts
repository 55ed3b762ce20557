/**
 * @module
 * What berth may look at before it reads a settings source, and the one line
 * that says which sources it did not read and why. berth asks Deno first
 * (`Deno.permissions.querySync`, which never prompts) and only touches a
 * default config name whose read access is granted: a `Deno.stat` of an
 * ungranted path asks a y/n question in a terminal and silently fails
 * without one. Pure apart from {@linkcode queryReadPermission}.
 */

/** The state of read access to a path, as `Deno.permissions.querySync` reports it. */
export type ReadPermission = (path: string) => Deno.PermissionState;

/** Asks Deno, without prompting, whether `path` may be read. */
export function queryReadPermission(path: string): Deno.PermissionState {
  return Deno.permissions.querySync({ name: "read", path }).state;
}

/**
 * A settings source berth did not read. Kept on the loaded settings so the
 * startup log and `berth check` state the same facts.
 */
export type SkippedSource =
  /**
   * A default config name (`./berth.json`) berth did not look for: read
   * access to it is not granted (`prompt`) or refused with `--deny-read`.
   */
  | { kind: "config-unchecked"; display: string; state: "prompt" | "denied" }
  /** A default config file that exists but the operating system would not let berth read. */
  | { kind: "config-unreadable"; display: string }
  /** The `BERTH_*` variables: no environment access, so berth cannot tell whether any are set. */
  | { kind: "env" };

/** What to do with one default config name before any file call. */
export type ConfigLookup = "look" | "skip-silently" | "skip-and-say";

/**
 * Decides, from the read permission alone, whether a default config name may
 * be looked at: only when read access is granted. An ungranted name is worth
 * a line only while no earlier name was found, since a file found first wins
 * over it anyway.
 */
export function decideConfigLookup(
  state: Deno.PermissionState,
  foundEarlier: boolean,
): ConfigLookup {
  if (state === "granted") return "look";
  return foundEarlier ? "skip-silently" : "skip-and-say";
}

/** The flag that grants env access to every `BERTH_*` variable (a Deno prefix wildcard). */
const ENV_FLAG = "--allow-env=BERTH_*";

/**
 * The one line naming the sources not read, why, and the flag that would
 * allow each; `null` when every source berth looks for was read.
 */
export function describeSkippedSources(skipped: readonly SkippedSource[]): string | null {
  const parts: string[] = [];
  const config: string[] = [];
  // SECURITY: the flag named grants the config names only, not the whole
  // working directory, so following the advice widens access the least.
  const unchecked = skipped.flatMap((item) =>
    item.kind === "config-unchecked" && item.state === "prompt" ? [item.display] : []
  );
  if (unchecked.length > 0) {
    config.push(
      `${joinNames(unchecked)} not looked for (no read access: add --allow-read=${
        unchecked.join(",")
      })`,
    );
  }
  const denied = skipped.flatMap((item) =>
    item.kind === "config-unchecked" && item.state === "denied" ? [item.display] : []
  );
  if (denied.length > 0) {
    config.push(`${joinNames(denied)} not looked for (read access denied by --deny-read)`);
  }
  for (const item of skipped) {
    if (item.kind !== "config-unreadable") continue;
    config.push(`${item.display} not read (the operating system denied access)`);
  }
  if (config.length > 0) parts.push(`config: ${config.join(", ")}`);
  if (skipped.some((item) => item.kind === "env")) {
    // Honest wording: without env access berth cannot even list the names,
    // so it cannot say that any BERTH_* variable is set.
    parts.push(
      `environment: BERTH_* variables not read (no env access to them, so berth cannot see whether any are set: add ${ENV_FLAG})`,
    );
  }
  return parts.length === 0 ? null : parts.join("; ");
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1
    ? names.join("")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
