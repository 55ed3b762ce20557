/**
 * @module
 * File extension → `Content-Type`, from mime-db. When several types claim one
 * extension the winner is chosen the way the `mime-types` package (v3) does,
 * by its "mime score", so `.js` is `text/javascript` and `.mp4` `video/mp4`.
 */

import db from "mime-db";

/** The fields of a mime-db entry this module reads. */
interface MimeEntry {
  source?: string;
  charset?: string;
  compressible?: boolean;
  extensions?: string[];
}

/** The type for unknown or missing extensions (RFC 9110 §8.3). */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** Structured-syntax suffixes of textual formats (RFC 6839). */
const TEXT_SUFFIX_REGEXP = /\+(?:json|xml|text)$/;
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

const MIME_DB = db as Readonly<Record<string, MimeEntry>>;

/** How "official" a type is, mirroring mime-types' `mimeScore`; shorter names win ties. */
function scoreMimeType(type: string, source: string | undefined): number {
  if (type === DEFAULT_CONTENT_TYPE) return 0;
  const [topLevel, subtype = ""] = type.split("/");
  const facet = /^(?:prs\.|x-|x\.|vnd\.)/.exec(subtype)?.[0] ?? "";
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

/** Builds the extension → full `Content-Type` header value map, once. */
function buildContentTypes(): Map<string, string> {
  const winners = new Map<string, { type: string; score: number }>();
  for (const [type, entry] of Object.entries(MIME_DB)) {
    if (!entry.extensions) continue;
    const score = scoreMimeType(type, entry.source);
    for (const extension of entry.extensions) {
      const current = winners.get(extension);
      // Like mime-types, a later entry wins ties.
      if (!current || score >= current.score) winners.set(extension, { type, score });
    }
  }
  const contentTypes = new Map<string, string>();
  for (const [extension, { type }] of winners) {
    // SECURITY: charset=utf-8 is also sent for XML, which may declare another
    // encoding; labelling text keeps browsers from sniffing it as something else.
    contentTypes.set(
      extension,
      isTextType(type, MIME_DB[type]) ? `${type}; charset=utf-8` : type,
    );
  }
  return contentTypes;
}

const CONTENT_TYPES: ReadonlyMap<string, string> = buildContentTypes();

/** The extension of the last path component, lower case, without the dot; "" for none or a dotfile. */
function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/**
 * The `Content-Type` to send for a file path, chosen by its extension (case-insensitive).
 * Text types carry `; charset=utf-8`; unknown, missing or dotfile-only names get
 * `application/octet-stream`.
 */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES.get(extensionOf(path)) ?? DEFAULT_CONTENT_TYPE;
}

/**
 * Whether a `Content-Type` is worth compressing on the fly: mime-db's
 * `compressible` flag when it has one, otherwise true for `text/*` and
 * `+json`/`+xml`/`+text` types (the `compressible` package's rule).
 * `application/octet-stream` is the exception: it is never compressed.
 */
export function isCompressibleType(contentType: string): boolean {
  const type = contentType.split(";", 1)[0].trim().toLowerCase();
  // mime-db says yes, but this is what unknown extensions get, and those are
  // mostly archives, images or binaries that are already compressed.
  if (type === DEFAULT_CONTENT_TYPE) return false;
  const known = MIME_DB[type]?.compressible;
  if (known !== undefined) return known;
  return type.startsWith("text/") || TEXT_SUFFIX_REGEXP.test(type);
}
