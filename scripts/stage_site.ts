/**
 * @module
 * Stages a built site for embedding: copies it (without dotfiles unless the
 * config serves them), adds `.gz`/`.br` siblings for compressible files,
 * hashes every file into a manifest of ETags, copies the config file and the
 * files it names, and writes the entry module `deno compile` builds from.
 * The staging directory is also runnable as is with `deno run`, which is how
 * the embedded code path is tested without a compile.
 */

import { dirname, isAbsolute, join, relative, resolve, sep as SEP } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as ZLIB, gzipSync } from "node:zlib";
import { loadSettings } from "../lib/config/load.ts";
import { DEFAULT_SETTINGS } from "../lib/config/schema.ts";
import { describeSettings } from "../lib/config/settings_docs.ts";
import {
  createEtagFromDigest,
  EMBEDDED_MANIFEST_FORMAT,
  type EmbeddedFileFacts,
  type EmbeddedManifest,
} from "../lib/fs/embedded.ts";
import { contentTypeFor, isCompressibleType } from "../lib/fs/media_type.ts";
import { isHiddenPath } from "../lib/fs/resolve_path.ts";
import { compileOwnFiles, listOwnFilePaths, type OwnFiles } from "../lib/config/own_files.ts";
import { BERTH_VERSION } from "../lib/version.ts";

/** Name of the generated entry module inside the staging directory. */
const EMBEDDED_ENTRY_NAME = "berth_embedded.ts";
/** Name of the manifest inside the staging directory. */
const EMBEDDED_MANIFEST_NAME = "manifest.json";
/** Smallest file worth a precompressed sibling, in bytes. */
const PRECOMPRESS_MIN_BYTES = 1024;
/** A sibling is kept only when at most this fraction of the original's size. */
const PRECOMPRESS_MAX_RATIO = 0.9;
/** berth's lib/ directory, which the generated entry imports from. */
const LIB_DIR = fileURLToPath(new URL("../lib", import.meta.url));

/** Options for {@linkcode stageSite}. */
export interface StageSiteOptions {
  /** The built site to embed. */
  site: string;
  /** berth config file to embed, or null. */
  config: string | null;
  /** Directory to (re)create for the staged bundle. */
  stageDir: string;
}

/** What {@linkcode stageSite} produced. */
export interface StagedSite {
  /** The generated entry module to compile (or `deno run`). */
  entry: string;
  /** Paths to pass to `deno compile --include`. */
  include: string[];
  /** The manifest written next to the entry. */
  manifest: EmbeddedManifest;
  /** Files left out, with why (dotfiles, escaping symlinks). */
  skipped: string[];
}

/** Thrown when the site or config cannot be embedded; the message is for the user. */
export class StageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StageError";
  }
}

/**
 * Builds the staging directory for `options.site`.
 *
 * @throws {StageError} when the site is not a directory or the config names
 * files that cannot be embedded; a `ConfigError` when the config is invalid.
 */
export async function stageSite(options: StageSiteOptions): Promise<StagedSite> {
  const site = resolve(options.site);
  const stageDir = resolve(options.stageDir);
  try {
    if (!(await Deno.stat(site)).isDirectory) throw new Deno.errors.NotADirectory();
  } catch (error) {
    throw new StageError(`Cannot embed "${options.site}": it is not a readable directory`, {
      cause: error,
    });
  }
  let dotfiles = false;
  // SECURITY: a site directory that is also berth's home (users file,
  // secret, config) must not carry them into a binary anyone can unpack.
  // Without a config, that is still the users file `berth user` writes by default.
  let ownFiles: OwnFiles = await compileOwnFiles(
    listOwnFilePaths({ ...DEFAULT_SETTINGS, root: site }, { cwd: site }),
  );
  const configFiles: { from: string; to: string }[] = [];
  let configRelative: string | null = null;
  if (options.config !== null) {
    const config = resolve(options.config);
    const loaded = await loadSettings({ configPath: config, cwd: dirname(config) });
    dotfiles = loaded.settings.dotfiles;
    ownFiles = await compileOwnFiles([
      ...listOwnFilePaths(loaded.settings, { configFile: config, cwd: dirname(config) }),
      ...ownFiles.paths,
    ]);
    configRelative = `config/${basename(config)}`;
    configFiles.push({ from: config, to: configRelative });
    for (const extra of listConfigFiles(loaded.settings, loaded.sources, dirname(config))) {
      configFiles.push({ from: extra.path, to: `config/${extra.relative}` });
    }
  }

  await Deno.remove(stageDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const siteOut = join(stageDir, "site");
  await Deno.mkdir(siteOut, { recursive: true });

  const files: Record<string, EmbeddedFileFacts> = {};
  const skipped: string[] = [];
  const realSite = await Deno.realPath(site);
  for await (const entry of walkSite(realSite, [], { dotfiles, skipped, ownFiles })) {
    const bytes = await Deno.readFile(entry.path);
    const relativePath = entry.segments.join("/");
    const target = join(siteOut, ...entry.segments);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeFile(target, bytes);
    files[relativePath] = await describeFile(bytes, entry.mtimeMs);
  }
  // Precompressed siblings, after the walk so a sibling the site ships wins.
  for (const [path, facts] of Object.entries({ ...files })) {
    if (facts.size < PRECOMPRESS_MIN_BYTES || !isCompressibleType(contentTypeFor(path))) continue;
    const bytes = await Deno.readFile(join(siteOut, ...path.split("/")));
    const variants: [string, () => Uint8Array][] = [
      [".br", () => brotliCompressSync(bytes, { params: { [ZLIB.BROTLI_PARAM_QUALITY]: 11 } })],
      [".gz", () => gzipSync(bytes, { level: 9 })],
    ];
    for (const [extension, compress] of variants) {
      const siblingPath = path + extension;
      if (files[siblingPath] !== undefined) continue;
      const compressed = new Uint8Array(compress());
      if (compressed.byteLength > facts.size * PRECOMPRESS_MAX_RATIO) continue;
      await Deno.writeFile(join(siteOut, ...siblingPath.split("/")), compressed);
      files[siblingPath] = await describeFile(compressed, facts.mtimeMs);
    }
  }

  const include = [siteOut];
  if (configFiles.length > 0) {
    for (const file of configFiles) {
      const target = join(stageDir, ...file.to.split("/"));
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(file.from, target);
    }
    include.push(join(stageDir, "config"));
  }

  const manifest: EmbeddedManifest = {
    format: EMBEDDED_MANIFEST_FORMAT,
    berth: BERTH_VERSION,
    site: "site",
    config: configRelative,
    files: sortKeys(files),
  };
  await Deno.writeTextFile(
    join(stageDir, EMBEDDED_MANIFEST_NAME),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  const entry = join(stageDir, EMBEDDED_ENTRY_NAME);
  await Deno.writeTextFile(entry, renderEntryModule(toRelativeSpecifier(stageDir, LIB_DIR)));
  return { entry, include, manifest, skipped };
}

/**
 * The generated entry: the ordinary CLI, told where its embedded site is.
 * `import.meta.dirname` is the staging directory under `deno run` and the
 * same directory inside the binary's embedded tree once compiled.
 * `lib` is the specifier of berth's lib/ directory relative to the entry.
 */
export function renderEntryModule(lib: string): string {
  return [
    "// Generated by scripts/stage_site.ts for `deno task compile --site`: do not edit.",
    `import { runCli } from "${lib}/cli/run.ts";`,
    `import { parseEmbeddedManifest } from "${lib}/fs/embedded.ts";`,
    `import manifest from "./${EMBEDDED_MANIFEST_NAME}" with { type: "json" };`,
    "",
    "if (import.meta.main) {",
    "  const embedded = { dir: import.meta.dirname!, manifest: parseEmbeddedManifest(manifest) };",
    "  Deno.exit(await runCli(Deno.args, { embedded }));",
    "}",
    "",
  ].join("\n");
}

/** Specifier of `to` relative to `from`, with POSIX separators and a leading `./` or `../`. */
export function toRelativeSpecifier(from: string, to: string): string {
  const rel = relative(from, to).split(SEP).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** The last segment of a path. */
function basename(path: string): string {
  return path.slice(path.lastIndexOf(SEP) + 1);
}

/** Size, source mtime and content-hash ETag of one staged file. */
async function describeFile(bytes: Uint8Array, mtimeMs: number): Promise<EmbeddedFileFacts> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return { size: bytes.byteLength, mtimeMs, etag: createEtagFromDigest(digest) };
}

/** One file found under the site. */
interface SiteFile {
  path: string;
  segments: string[];
  mtimeMs: number;
}

/**
 * Yields every regular file under `dir`, following symlinks only when they
 * stay inside the site. SECURITY: dot names (except `.well-known`) are left
 * out unless the config serves dotfiles, so a stray `.env` never ends up in
 * a binary anyone can unpack.
 */
async function* walkSite(
  dir: string,
  segments: string[],
  context: {
    dotfiles: boolean;
    skipped: string[];
    ownFiles: OwnFiles;
    root?: string;
    visited?: Set<string>;
  },
): AsyncGenerator<SiteFile> {
  const root = context.root ?? dir;
  const visited = context.visited ?? new Set([dir]);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  names.sort();
  for (const name of names) {
    const path = join(dir, name);
    const childSegments = [...segments, name];
    const display = childSegments.join("/");
    if (!context.dotfiles && isHiddenPath(childSegments)) {
      context.skipped.push(`${display} (dotfile)`);
      continue;
    }
    let real: string;
    let info: Deno.FileInfo;
    try {
      real = await Deno.realPath(path);
      info = await Deno.stat(real);
    } catch {
      context.skipped.push(`${display} (broken or looping symlink)`);
      continue;
    }
    if (real !== root && !real.startsWith(root + SEP)) {
      context.skipped.push(`${display} (symlink out of the site)`);
      continue;
    }
    if (context.ownFiles.has(real)) {
      context.skipped.push(`${display} (one of berth's own files)`);
      continue;
    }
    // A symlink to a dotfile is as hidden as the dotfile: berth checks the real path too.
    if (!context.dotfiles && isHiddenPath(real.slice(root.length + 1).split(SEP))) {
      context.skipped.push(`${display} (symlink to a dotfile)`);
      continue;
    }
    if (info.isDirectory) {
      // A directory reached twice (through a symlink) would be embedded twice or loop forever.
      if (visited.has(real)) {
        context.skipped.push(`${display} (directory already embedded)`);
        continue;
      }
      visited.add(real);
      yield* walkSite(path, childSegments, { ...context, root, visited });
    } else if (info.isFile) {
      yield { path: real, segments: childSegments, mtimeMs: info.mtime?.getTime() ?? 0 };
    }
  }
}

/** A file a config setting names, with its path relative to the config's directory. */
interface ConfigFileRef {
  path: string;
  relative: string;
}

/**
 * Lists the files the config file names (users file, keys...), which must
 * travel with it. They must sit under the config's directory so the embedded
 * config can keep its relative paths.
 *
 * @throws {StageError} for a file outside that directory, or an audit log
 * (an embedded binary may not write).
 */
export function listConfigFiles(
  settings: unknown,
  sources: Record<string, string>,
  configDir: string,
): ConfigFileRef[] {
  const refs: ConfigFileRef[] = [];
  for (const doc of describeSettings()) {
    if (!doc.path || doc.name === "root" || sources[doc.name] !== "file") continue;
    const value = doc.name.split(".").reduce<unknown>(
      (node, key) => (node as Record<string, unknown> | undefined)?.[key],
      settings,
    );
    if (typeof value !== "string" || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    if (doc.name === "auditLog") {
      throw new StageError(
        `Cannot embed a config that sets "auditLog": an embedded berth has no write access; ` +
          `remove it and read the audit events from stderr`,
      );
    }
    const rel = relative(configDir, value);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new StageError(
        `Cannot embed "${doc.name}" (${value}): files the config names must be inside ` +
          `the config file's directory`,
      );
    }
    refs.push({ path: value, relative: rel.split(SEP).join("/") });
  }
  return refs;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a < b ? -1 : 1));
}
