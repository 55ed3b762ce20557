/**
 * @module
 * Directory listings: which entries a listing may show (never hidden files,
 * never symlinks that lead out of the root) and how they render, as HTML for
 * browsers or JSON for `Accept: application/json`.
 */

import type { FileSystem } from "../fs/types.ts";
import { resolvePath, type ResolvePathOptions } from "../fs/resolve_path.ts";
import { escapeHtml, renderPage } from "./html.ts";

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
  return entries.sort(compareEntries);
}

/** Directories first, then by name in code-point order (stable across locales). */
function compareEntries(a: ListingEntry, b: ListingEntry): number {
  if (a.kind !== b.kind) return a.kind === "directory" ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** URL path of the listed directory, built from decoded segments, ending in `/`. */
function listingPath(segments: readonly string[]): string {
  return segments.length === 0 ? "/" : `/${segments.join("/")}/`;
}

/** Renders the listing as a small accessible HTML page with escaped names and encoded links. */
export function renderListingHtml(
  segments: readonly string[],
  entries: readonly ListingEntry[],
): string {
  const path = listingPath(segments);
  const rows = entries.map((entry) => {
    const suffix = entry.kind === "directory" ? "/" : "";
    const href = encodeURIComponent(entry.name) + suffix;
    const size = entry.size === null ? "-" : formatSize(entry.size);
    const modified = entry.mtimeMs === null
      ? "-"
      : new Date(entry.mtimeMs).toISOString().slice(0, 19).replace("T", " ");
    return `<tr><td><a href="./${escapeHtml(href)}">${escapeHtml(entry.name + suffix)}</a></td>` +
      `<td class="n">${size}</td><td>${modified}</td></tr>`;
  });
  const parent = segments.length > 0
    ? `<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n`
    : "";
  const title = `Index of ${path}`;
  return renderPage(title, {
    css: "table{border-collapse:collapse;width:100%}td,th{padding:.2rem .6rem;text-align:left}" +
      ".n{text-align:right;font-variant-numeric:tabular-nums}tr:nth-child(even){background:#8881}",
    bodyHtml: `<h1>${escapeHtml(title)}</h1>
<table>
<thead><tr><th scope="col">Name</th><th scope="col" class="n">Size</th><th scope="col">Modified (UTC)</th></tr></thead>
<tbody>
${parent}${rows.join("\n")}
</tbody>
</table>`,
  });
}

/** Renders the listing as JSON: `{ path, entries: [{ name, type, size, modified }] }`. */
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

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Human-readable size with binary units, e.g. `1.5 KiB`. */
function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}
