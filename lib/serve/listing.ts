/**
 * @module
 * Directory listings: which entries a listing may show (never hidden files,
 * never symlinks that lead out of the root) and how they render, as HTML for
 * browsers or JSON for `Accept: application/json`. Entries are read in the
 * default order (folders first, names natural); listing_order.ts gives the others.
 */

import type { FileSystem } from "../fs/types.ts";
import { resolvePath, type ResolvePathOptions } from "../fs/resolve_path.ts";
import { compareEntries, DEFAULT_LISTING_ORDER, type ListingOrder } from "./listing_order.ts";
import { renderListingPage } from "./listing_page.ts";

/** One visible entry of a directory listing. */
export interface ListingEntry {
  /** File name as stored on disk. */
  name: string;
  /** What a request for the entry would serve. */
  kind: "file" | "directory";
  /** Size in bytes (files only). */
  size: number | null;
  /** Modification time in ms since the epoch, if known. */
  mtimeMs: number | null;
  /** Real path it resolves to (symlinks followed), for access checks; never rendered. */
  realPath: string;
}

/** Options for {@linkcode readListing}. */
export interface ReadListingOptions extends ResolvePathOptions {
  /** Real path of the directory itself, as resolved from `segments`. */
  directoryPath: string;
}

/**
 * Reads the entries a request may see in the directory at URL `segments`.
 * SECURITY: each entry is resolved exactly as a request for it would be, so a
 * listing never shows what the server would refuse to serve.
 */
export async function readListing(
  fs: FileSystem,
  segments: readonly string[],
  options: ReadListingOptions,
): Promise<ListingEntry[]> {
  const entries: ListingEntry[] = [];
  for await (const entry of fs.readDir(options.directoryPath)) {
    if (!options.dotfiles && entry.name.startsWith(".")) continue;
    const resolved = await resolvePath(fs, [...segments, entry.name], options);
    if (resolved.kind === "not-found") continue;
    entries.push({
      name: entry.name,
      kind: resolved.kind,
      size: resolved.kind === "file" ? resolved.info.size : null,
      mtimeMs: resolved.info.mtimeMs,
      realPath: resolved.path,
    });
  }
  return entries.sort((a, b) => compareEntries(a, b));
}

/** URL path of the listed directory, built from decoded segments, ending in `/`. */
function listingPath(segments: readonly string[]): string {
  return segments.length === 0 ? "/" : `/${segments.join("/")}/`;
}

/**
 * Renders the listing as a small accessible HTML page (listing_page.ts),
 * its `entries` already in `order`.
 */
export function renderListingHtml(
  segments: readonly string[],
  entries: readonly ListingEntry[],
  order: ListingOrder = DEFAULT_LISTING_ORDER,
): string {
  return renderListingPage(segments, entries, order);
}

/**
 * Renders the listing as JSON: `{ path, entries: [{ name, type, size, modified }] }`,
 * the entries in the order given.
 */
export function renderListingJson(
  segments: readonly string[],
  entries: readonly ListingEntry[],
): string {
  return JSON.stringify({
    path: listingPath(segments),
    entries: entries.map((entry) => ({
      name: entry.name,
      type: entry.kind,
      size: entry.size,
      modified: entry.mtimeMs === null ? null : new Date(entry.mtimeMs).toISOString(),
    })),
  }) + "\n";
}
