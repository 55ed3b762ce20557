/**
 * @module
 * Generates lib/fs/media_types_table.ts from the pinned mime-db package, so
 * berth does not load and score mime-db's 2,500 entries on every start (that
 * cost about 25 ms of a 100 ms startup budget).
 *
 *   deno run --allow-read --allow-write scripts/generate_media_types.ts
 *
 * Run it after changing the mime-db version in deno.json;
 * tests/unit/media_types_table_test.ts fails while the table is stale. When
 * several types claim one extension the winner is chosen the way the
 * `mime-types` package (v3) does, by its "mime score", so `.js` is
 * `text/javascript` and `.mp4` `video/mp4`.
 */

import db from "mime-db";
import { fileURLToPath } from "node:url";

/** The fields of a mime-db entry the generator reads. */
export interface MimeEntry {
  source?: string;
  charset?: string;
  compressible?: boolean;
  extensions?: string[];
}

/** What lib/fs/media_types_table.ts holds. */
export interface MediaTypeTable {
  /** Lower-case extension (no dot) → full `Content-Type` value. */
  contentTypes: Record<string, string>;
  /** Types whose mime-db `compressible` flag contradicts {@linkcode isTextualType}. */
  compressibleOverrides: Record<string, boolean>;
}

/** Where the generated module is written. */
export const MEDIA_TYPES_TABLE_PATH = fileURLToPath(
  new URL("../lib/fs/media_types_table.ts", import.meta.url),
);

/** The type for unknown extensions, which never takes part in scoring. */
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** Structured-syntax suffixes of textual formats (RFC 6839). */
const TEXT_SUFFIX_REGEXP = /\+(?:json|xml|text)$/;
/** Registration facets (RFC 6838 §3): `prs.`, `x-`, `x.`, `vnd.`. */
const FACET_REGEXP = /^(?:prs\.|x-|x\.|vnd\.)/;
/** Types that are text without a `text/` top level nor a `+json`/`+xml` suffix. */
const TEXT_APPLICATION_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/xml",
  "application/javascript",
  "application/ecmascript",
]);
/** Registration facets, best last (RFC 6838 §3); the standards tree scores highest. */
const FACET_SCORES: Readonly<Record<string, number>> = {
  "prs.": 100,
  "x-": 200,
  "x.": 300,
  "vnd.": 400,
};
const FACET_DEFAULT_SCORE = 900;
/** Where mime-db got a type from; entries without a source are mime-db's own. */
const SOURCE_SCORES: Readonly<Record<string, number>> = { nginx: 10, apache: 20, iana: 40 };
const SOURCE_DEFAULT_SCORE = 30;
/** Top-level tie breakers: application/xml over text/xml, video/mp4 over audio/mp4. */
const TOP_LEVEL_SCORES: Readonly<Record<string, number>> = {
  application: 1,
  font: 2,
  audio: 2,
  video: 3,
};

/**
 * The compressibility rule for types mime-db has no flag for (the
 * `compressible` package's): `text/*` and `+json`/`+xml`/`+text` types.
 * lib/fs/media_type.ts applies the same rule at run time.
 */
export function isTextualType(type: string): boolean {
  return type.startsWith("text/") || TEXT_SUFFIX_REGEXP.test(type);
}

/** How "official" a type is, mirroring mime-types' `mimeScore`; shorter names win ties. */
function scoreMimeType(type: string, source: string | undefined): number {
  if (type === DEFAULT_CONTENT_TYPE) return 0;
  const [topLevel, subtype = ""] = type.split("/");
  const facet = FACET_REGEXP.exec(subtype)?.[0] ?? "";
  return (FACET_SCORES[facet] ?? FACET_DEFAULT_SCORE) +
    (SOURCE_SCORES[source ?? ""] ?? SOURCE_DEFAULT_SCORE) +
    (TOP_LEVEL_SCORES[topLevel] ?? 0) +
    (1 - type.length / 100);
}

/** Whether responses of this type are text that gets `; charset=utf-8`. */
function isTextType(type: string, entry: MimeEntry | undefined): boolean {
  return type.startsWith("text/") || entry?.charset?.toUpperCase() === "UTF-8" ||
    TEXT_APPLICATION_TYPES.has(type) || TEXT_SUFFIX_REGEXP.test(type);
}

/** Computes the extension → `Content-Type` table and the compressibility overrides from `mimeDb`. */
export function buildMediaTypeTable(mimeDb: Readonly<Record<string, MimeEntry>>): MediaTypeTable {
  const winners = new Map<string, { type: string; score: number }>();
  const compressibleOverrides: Record<string, boolean> = {};
  for (const [type, entry] of Object.entries(mimeDb)) {
    if (entry.compressible !== undefined && entry.compressible !== isTextualType(type)) {
      compressibleOverrides[type] = entry.compressible;
    }
    if (!entry.extensions) continue;
    const score = scoreMimeType(type, entry.source);
    for (const extension of entry.extensions) {
      const current = winners.get(extension);
      // Like mime-types, a later entry wins ties.
      if (!current || score >= current.score) winners.set(extension, { type, score });
    }
  }
  const contentTypes: Record<string, string> = {};
  for (const extension of [...winners.keys()].sort()) {
    const { type } = winners.get(extension)!;
    // SECURITY: charset=utf-8 is also sent for XML, which may declare another
    // encoding; labelling text keeps browsers from sniffing it as something else.
    contentTypes[extension] = isTextType(type, mimeDb[type]) ? `${type}; charset=utf-8` : type;
  }
  return { contentTypes, compressibleOverrides };
}

/** Renders `table` as the TypeScript module (already in `deno fmt` style). */
export function renderMediaTypeModule(table: MediaTypeTable, mimeDbVersion: string): string {
  const entries = (record: Record<string, string | boolean>) =>
    Object.entries(record).map(([key, value]) =>
      `  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`
    ).join("");
  return `/**
 * @module
 * GENERATED by scripts/generate_media_types.ts from mime-db ${mimeDbVersion}; do not edit.
 * Precomputed so that startup does not load and score all of mime-db.
 */

/** Lower-case extension (no dot) → full \`Content-Type\` value, text types with a charset. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
${entries(table.contentTypes)}};

/** Types whose mime-db \`compressible\` flag overrides the text-type rule. */
export const COMPRESSIBLE_OVERRIDES: Readonly<Record<string, boolean>> = {
${entries(table.compressibleOverrides)}};
`;
}

/** The mime-db version pinned in deno.json's import map, e.g. `1.54.0`. */
export async function readMimeDbVersion(): Promise<string> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { imports: Record<string, string> };
  return config.imports["mime-db"].replace(/^npm:mime-db@/, "");
}

if (import.meta.main) {
  const table = buildMediaTypeTable(db as Record<string, MimeEntry>);
  await Deno.writeTextFile(
    MEDIA_TYPES_TABLE_PATH,
    renderMediaTypeModule(table, await readMimeDbVersion()),
  );
  const count = Object.keys(table.contentTypes).length;
  await Deno.stdout.write(
    new TextEncoder().encode(`wrote ${MEDIA_TYPES_TABLE_PATH}: ${count} extensions\n`),
  );
}
