/**
 * @module
 * Embedded-site mode: a site staged by `deno task compile --site` travels
 * with a manifest of its files (size, source mtime and a content-hash ETag
 * computed at build time). In a compiled binary the files live in Deno's
 * virtual filesystem, whose mtimes and inodes mean nothing, so the manifest
 * supplies the validators instead. The same code runs under `deno run` on the
 * staging directory, which is how it is tested without compiling.
 */

import { join, sep as SEP } from "node:path";
import type { FileInfo, FileSystem } from "./types.ts";

/** Version of the manifest format written by scripts/stage_site.ts. */
export const EMBEDDED_MANIFEST_FORMAT = 1;

/** What the build recorded about one embedded file. */
export interface EmbeddedFileFacts {
  /** Size in bytes when staged. */
  size: number;
  /** Modification time of the source file, epoch ms. */
  mtimeMs: number;
  /** Strong entity tag derived from the content hash, quotes included. */
  etag: string;
}

/** The manifest of an embedded site. */
export interface EmbeddedManifest {
  /** Always {@linkcode EMBEDDED_MANIFEST_FORMAT}. */
  format: number;
  /** berth version that staged the site. */
  berth: string;
  /** Site directory, relative to the manifest's directory (POSIX separators). */
  site: string;
  /** Config file, relative to the manifest's directory, or null. */
  config: string | null;
  /** Facts per file, keyed by the site-relative POSIX path (`css/app.css`). */
  files: Record<string, EmbeddedFileFacts>;
}

/** An embedded site as the entry module hands it to the CLI. */
export interface EmbeddedSite {
  /** Directory holding the manifest (in a compiled binary: inside the binary's embedded tree). */
  dir: string;
  /** The parsed manifest. */
  manifest: EmbeddedManifest;
}

/** A relative path without `..`, absolute or empty parts, as the stager writes them. */
const SAFE_RELATIVE_REGEXP =
  /^(?!\/)(?:(?!\.\.?(?:\/|$))[^/\\\0]+)(?:\/(?!\.\.?(?:\/|$))[^/\\\0]+)*$/;
/** What `createEtagFromDigest` produces: a quoted, prefixed hex digest. */
const CONTENT_ETAG_REGEXP = /^"sha256-[0-9a-f]{16,64}"$/;

/**
 * Checks an untrusted manifest value and returns it typed.
 *
 * @throws {Error} saying which field is wrong; a bad manifest means a bad build.
 */
export function parseEmbeddedManifest(value: unknown): EmbeddedManifest {
  const fail = (what: string): never => {
    throw new Error(`Invalid embedded site manifest: ${what}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail("not an object");
  }
  const record = value as Record<string, unknown>;
  if (record.format !== EMBEDDED_MANIFEST_FORMAT) {
    fail(`format ${JSON.stringify(record.format)} is not ${EMBEDDED_MANIFEST_FORMAT}`);
  }
  if (typeof record.berth !== "string") fail(`"berth" is not a string`);
  if (typeof record.site !== "string" || !SAFE_RELATIVE_REGEXP.test(record.site)) {
    fail(`"site" is not a relative path`);
  }
  if (
    record.config !== null &&
    (typeof record.config !== "string" || !SAFE_RELATIVE_REGEXP.test(record.config))
  ) {
    fail(`"config" is neither null nor a relative path`);
  }
  const files = record.files;
  if (files === null || typeof files !== "object" || Array.isArray(files)) {
    return fail(`"files" is not an object`);
  }
  for (const [path, facts] of Object.entries(files)) {
    const f = facts as Partial<EmbeddedFileFacts> | null;
    if (
      !SAFE_RELATIVE_REGEXP.test(path) || f === null || typeof f !== "object" ||
      !Number.isSafeInteger(f.size) || (f.size as number) < 0 ||
      typeof f.mtimeMs !== "number" || !Number.isFinite(f.mtimeMs) ||
      typeof f.etag !== "string" || !CONTENT_ETAG_REGEXP.test(f.etag)
    ) {
      fail(`the entry for ${JSON.stringify(path)} is malformed`);
    }
  }
  return value as EmbeddedManifest;
}

/** Builds the strong entity tag of a file from its SHA-256 digest (first 128 bits, hex). */
export function createEtagFromDigest(digest: Uint8Array): string {
  let hex = "";
  for (const byte of digest.subarray(0, 16)) hex += byte.toString(16).padStart(2, "0");
  return `"sha256-${hex}"`;
}

/** Absolute paths of the embedded site's root and config file. */
export function resolveEmbeddedPaths(site: EmbeddedSite): { root: string; config: string | null } {
  return {
    root: join(site.dir, ...site.manifest.site.split("/")),
    config: site.manifest.config === null
      ? null
      : join(site.dir, ...site.manifest.config.split("/")),
  };
}

/** Options for {@linkcode createEmbeddedFileSystem}. */
export interface EmbeddedFileSystemOptions {
  /** Real absolute path of the embedded site's root. */
  root: string;
  /** The manifest's file facts. */
  files: Readonly<Record<string, EmbeddedFileFacts>>;
}

/**
 * Wraps `base` so that `stat`/`lstat` of a file listed in the manifest carry
 * its build-time ETag and source mtime. A file whose size no longer matches
 * (someone edited the staging directory) keeps its own metadata, so a
 * validator never outlives the content it describes.
 */
export function createEmbeddedFileSystem(
  base: FileSystem,
  options: EmbeddedFileSystemOptions,
): FileSystem {
  const facts = new Map(Object.entries(options.files));
  const { root } = options;
  const prefix = root.endsWith(SEP) ? root : root + SEP;
  const overlay = (path: string, info: FileInfo): FileInfo => {
    if (!info.isFile || !path.startsWith(prefix)) return info;
    const rel = path.slice(prefix.length);
    const known = facts.get(SEP === "/" ? rel : rel.replaceAll(SEP, "/"));
    if (known === undefined || known.size !== info.size) return info;
    return { ...info, mtimeMs: known.mtimeMs, ino: null, etag: known.etag };
  };
  const baseStatSync = base.statSync?.bind(base);
  return {
    async stat(path) {
      return overlay(path, await base.stat(path));
    },
    ...(baseStatSync === undefined
      ? {}
      : { statSync: (path: string) => overlay(path, baseStatSync(path)) }),
    ...(base.readRangeSync === undefined ? {} : { readRangeSync: base.readRangeSync.bind(base) }),
    async lstat(path) {
      return overlay(path, await base.lstat(path));
    },
    realPath: (path) => base.realPath(path),
    open: (path) => base.open(path),
    readDir: (path) => base.readDir(path),
    readFile: (path) => base.readFile(path),
  };
}
