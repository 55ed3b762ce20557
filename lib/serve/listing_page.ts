/**
 * @module
 * The HTML page of a directory listing: a breadcrumb, counts, a table whose
 * column headers are sort links, human sizes, UTC dates, file-type icons
 * (inline SVG in the style sheet), and a few lines of inline script that
 * localise the dates and add a filter box. Nothing is fetched from elsewhere,
 * the page works without script, and its style and script are allowed by
 * hash in the page's own Content-Security-Policy.
 */

import { createHash } from "node:crypto";
import { escapeHtml } from "./html.ts";
import {
  type ListingOrder,
  type ListingSortKey,
  type SortableEntry,
  sortLinkQuery,
} from "./listing_order.ts";

/** One link (or, for the current folder, the plain name) of the breadcrumb. */
export interface BreadcrumbItem {
  /** Text shown: `/` for the root, else the folder name and a `/`. */
  label: string;
  /** Relative link to the folder; null for the folder being listed. */
  href: string | null;
}

/**
 * The breadcrumb of the folder at URL `segments`: the root and every
 * ancestor as links, the folder itself as text. Links are relative (`../`
 * climbs one folder), so they stay right when berth is mounted under a path
 * prefix and no name ever has to be put into a URL.
 */
export function breadcrumbItems(segments: readonly string[]): BreadcrumbItem[] {
  const depth = segments.length;
  const items: BreadcrumbItem[] = [{ label: "/", href: depth === 0 ? null : "../".repeat(depth) }];
  segments.forEach((segment, index) => {
    const up = depth - 1 - index;
    items.push({ label: `${segment}/`, href: up === 0 ? null : "../".repeat(up) });
  });
  return items;
}

/**
 * Icons, each a `<symbol>` of the sprite: folder, up, file, image, audio or
 * video, code, archive, text. One letter each, as every row names one.
 */
type IconId = "d" | "u" | "f" | "i" | "m" | "c" | "z" | "t";

/** File extensions (lower case, no dot) that get a specific icon. */
const ICON_BY_EXTENSION: Readonly<Record<string, IconId>> = Object.fromEntries([
  ...["png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff"].map(
    (ext) => [ext, "i"],
  ),
  ...["mp3", "wav", "ogg", "oga", "flac", "m4a", "aac", "opus", "mp4", "webm", "mkv", "mov", "avi"]
    .map((ext) => [ext, "m"]),
  ...[
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "css",
    "html",
    "htm",
    "json",
    "xml",
    "wasm",
    "sh",
    "py",
    "rs",
    "go",
    "c",
    "h",
    "toml",
    "yaml",
    "yml",
  ].map((ext) => [ext, "c"]),
  ...["zip", "gz", "tgz", "br", "zst", "xz", "bz2", "7z", "rar", "tar", "jar"].map(
    (ext) => [ext, "z"],
  ),
  ...["txt", "md", "csv", "log", "pdf", "rtf", "doc", "docx", "odt"].map((ext) => [ext, "t"]),
]);

/** The icon for an entry: folders get the folder, files the icon of their extension. */
export function iconFor(entry: Pick<SortableEntry, "name" | "kind">): IconId {
  if (entry.kind === "directory") return "d";
  const dot = entry.name.lastIndexOf(".");
  if (dot <= 0) return "f";
  return ICON_BY_EXTENSION[entry.name.slice(dot + 1).toLowerCase()] ?? "f";
}

/** 16×16 stroked outlines of each icon (SVG markup inside `<svg>`). */
const ICON_SHAPES: Readonly<Record<IconId, string>> = {
  d: '<path d="M1.5 3.5h4.5l1.5 1.5h7v8h-13z"/>',
  u: '<path d="M8 13.5v-11M3.5 7 8 2.5 12.5 7"/>',
  f: '<path d="M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3"/>',
  t: '<path d="M3.5 1.5h6l3 3v10h-9zM5.5 7.5h5M5.5 10h5M5.5 12.5h3"/>',
  i: '<path d="M1.5 2.5h13v11h-13zM2 12.5l4-4.5 3 3 2-2 3.5 3.5"/><circle cx="10.5" cy="5.5" r="1.2"/>',
  m: '<path d="M1.5 2.5h13v11h-13zM6.5 5.5v5l4-2.5z"/>',
  c: '<path d="M5.5 4 1.5 8l4 4M10.5 4l4 4-4 4"/>',
  z: '<path d="M2.5 1.5h11v13h-11zM7 1.5v2h2v2H7v2h2v2H7"/>',
};

/**
 * The icons as inline SVG in the style sheet: each row's class picks one,
 * drawn as a mask over the link colour (so dark mode and focus colours
 * apply). PERF: a row names its icon in 8 bytes, where an `<svg><use>`
 * would take 27; with 1,000 entries that is most of the size budget.
 */
const ICON_CSS = 'td:first-child a::before{content:"";display:inline-block;width:1rem;' +
  "height:1rem;margin-right:.45rem;vertical-align:-.15em;background:currentColor;" +
  "-webkit-mask:var(--i) center/contain no-repeat;mask:var(--i) center/contain no-repeat}" +
  ".d td:first-child a::before{background:var(--dir)}" +
  Object.entries(ICON_SHAPES).map(([id, shape]) => {
    const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' fill='none' ` +
      `stroke='black' stroke-width='1.3' stroke-linejoin='round'>${
        shape.replaceAll('"', "'")
      }</svg>`;
    return `.${id}{--i:url("data:image/svg+xml,${encodeURIComponent(svg)}")}`;
  }).join("");

/**
 * The page's style. Colours meet WCAG AA (4.5:1) for text on both schemes;
 * the table lets names wrap anywhere and keeps size and date on one line, so
 * a 390 px phone shows three columns without scrolling sideways.
 */
const CSS = ":root{color-scheme:light dark;--fg:#1f1f1f;--bg:#fff;--muted:#5c5c5c;" +
  "--link:#0b57d0;--line:#e3e3e3;--stripe:#f6f6f6;--dir:#8a5a00;--focus:#0b57d0}" +
  "@media(prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#121212;--muted:#a8a8a8;" +
  "--link:#8ab4f8;--line:#333;--stripe:#1b1b1b;--dir:#f0b43c;--focus:#8ab4f8}}" +
  "body{font:15px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;" +
  "color:var(--fg);background:var(--bg)}" +
  "a{color:var(--link)}a:focus-visible,input:focus-visible{outline:2px solid var(--focus);" +
  "outline-offset:2px;border-radius:2px}" +
  "h1{font-size:1.3rem;font-weight:600;overflow-wrap:anywhere;margin:0 0 .5rem}" +
  "h1 a{text-decoration:none;padding:0 .1em}h1 a:hover{text-decoration:underline}" +
  ".meta{color:var(--muted);margin:.25rem 0 .75rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;" +
  "align-items:center}" +
  "input{font:inherit;padding:.25rem .5rem;max-width:100%;color:inherit;background:var(--bg);" +
  "border:1px solid var(--muted);border-radius:4px}" +
  "table{border-collapse:collapse;width:100%}" +
  "th,td{padding:.3rem .5rem;text-align:left;border-bottom:1px solid var(--line);" +
  "vertical-align:top}" +
  "th{font-weight:600;white-space:nowrap}th a{text-decoration:none}th a:hover{text-decoration:underline}" +
  "tbody tr:nth-child(even){background:var(--stripe)}" +
  "td:first-child{overflow-wrap:anywhere;width:100%}" +
  "td:nth-child(2),th:nth-child(2){text-align:right}" +
  "td:nth-child(n+2){white-space:nowrap;font-variant-numeric:tabular-nums}" +
  "td:nth-child(3){color:var(--muted)}" +
  ICON_CSS +
  "footer{margin-top:1.5rem;color:var(--muted);font-size:.85rem}" +
  "@media(max-width:40rem){body{margin:1rem auto;padding:0 .6rem;font-size:14px}" +
  "th,td{padding:.3rem .3rem}}";

/**
 * Localises the dates (the UTC text stays without script), then shows the
 * filter box and hides the rows whose name does not contain what is typed.
 */
const SCRIPT = "const w=matchMedia('(max-width:40rem)').matches," +
  "o=w?{dateStyle:'short'}:{dateStyle:'medium',timeStyle:'short'};" +
  "for(const t of document.querySelectorAll('time')){const d=new Date(t.dateTime);" +
  "if(!isNaN(d)){t.title=t.textContent+' UTC';t.textContent=d.toLocaleString(undefined,o)}}" +
  "const f=document.getElementById('filter'),s=document.getElementById('shown')," +
  "r=[...document.querySelectorAll('tbody tr:not(.up)')].map(e=>[e,e.cells[0].textContent.toLowerCase()]);" +
  "f.parentElement.hidden=false;" +
  "f.addEventListener('input',()=>{const q=f.value.trim().toLowerCase();let n=0;" +
  "for(const[e,t]of r){const h=!t.includes(q);e.hidden=h;if(!h)n++}" +
  "s.textContent=q?n+' of '+r.length+' shown':''})";

/** `'sha256-…'` of an inline element's exact text, for a CSP source list. */
function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

/**
 * Content-Security-Policy of listing pages: nothing but the page's own
 * style and script (by hash), the empty `data:` icon (which spares the
 * browser a `/favicon.ico` request), no plugins, no base or form retargeting.
 * SECURITY: file names are escaped; the policy is the second wall should
 * one ever reach the page as markup.
 */
export const LISTING_PAGE_CSP = `default-src 'none'; style-src ${cspHash(CSS)}; script-src ${
  cspHash(SCRIPT)
}; img-src data:; base-uri 'none'; form-action 'none'`;

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Human-readable size with binary units, e.g. `1.5 KiB`. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

/**
 * A modification time as `<time>`: the UTC instant to the minute, machine
 * readable, and `YYYY-MM-DD HH:MM` (UTC) as the text the script localises.
 */
function renderTime(mtimeMs: number): string {
  const iso = new Date(mtimeMs).toISOString();
  return `<time datetime="${iso.slice(0, 16)}Z">${iso.slice(0, 10)} ${iso.slice(11, 16)}</time>`;
}

/** "1 folder", "3 files": a count with its noun. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

const COLUMNS: readonly { key: ListingSortKey; label: string; className: string }[] = [
  { key: "name", label: "Name", className: "" },
  { key: "size", label: "Size", className: "" },
  { key: "modified", label: "Modified", className: "" },
];

/** A column header: a link that sorts on it, marked with `aria-sort` when it is the sort. */
function renderHeader(column: (typeof COLUMNS)[number], order: ListingOrder): string {
  const current = column.key === order.sort;
  const ariaSort = current
    ? ` aria-sort="${order.order === "asc" ? "ascending" : "descending"}"`
    : "";
  const arrow = current
    ? `<span aria-hidden="true">${order.order === "asc" ? " ↑" : " ↓"}</span>`
    : "";
  const query = escapeHtml(sortLinkQuery(column.key, order));
  return `<th scope="col"${column.className}${ariaSort}><a href="${query}">${column.label}${arrow}</a></th>`;
}

/**
 * One row. Names are HTML-escaped as text and percent-encoded (then escaped)
 * in links. PERF: cells are styled by position and `</td></tr>` are left out
 * (both optional in HTML), so a 1,000-entry page stays near 150 KB.
 */
function renderRow(entry: SortableEntry): string {
  const directory = entry.kind === "directory";
  const suffix = directory ? "/" : "";
  const href = escapeHtml(`./${encodeURIComponent(entry.name)}${suffix}`);
  const size = entry.size === null ? "—" : formatSize(entry.size);
  const modified = entry.mtimeMs === null ? "—" : renderTime(entry.mtimeMs);
  return `<tr class=${iconFor(entry)}><td><a href="${href}">${
    escapeHtml(entry.name + suffix)
  }</a><td>${size}<td>${modified}`;
}

/**
 * The whole page for the folder at URL `segments`, its visible `entries`
 * already in `order`. The title says `Index of /a/b/`.
 */
export function renderListingPage(
  segments: readonly string[],
  entries: readonly SortableEntry[],
  order: ListingOrder,
): string {
  const path = segments.length === 0 ? "/" : `/${segments.join("/")}/`;
  const title = `Index of ${path}`;
  const crumbs = breadcrumbItems(segments).map((item) =>
    item.href === null
      ? `<span aria-current="page">${escapeHtml(item.label)}</span>`
      : `<a href="${item.href}">${escapeHtml(item.label)}</a>`
  ).join("");
  let folders = 0;
  for (const entry of entries) if (entry.kind === "directory") folders++;
  const up = segments.length === 0
    ? ""
    : '<tr class="up u"><td><a href="../">Parent folder</a><td><td>\n';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<nav aria-label="Breadcrumb"><h1>Index of ${crumbs}</h1></nav>
<div class="meta"><span>${count(folders, "folder")}, ${
    count(entries.length - folders, "file")
  }</span><span hidden><label for="filter">Filter </label><input id="filter" type="search" autocomplete="off" spellcheck="false"> <span id="shown" aria-live="polite"></span></span></div>
<table>
<thead><tr>${COLUMNS.map((column) => renderHeader(column, order)).join("")}</tr></thead>
<tbody>
${up}${entries.map(renderRow).join("\n")}
</tbody>
</table>
</main>
<footer>berth</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
