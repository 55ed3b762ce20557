/**
 * @module
 * Entity tags (RFC 9110 §8.8.3): computing berth's strong validator from file
 * metadata, parsing `If-Match` / `If-None-Match` lists, and the strong and
 * weak comparison functions of RFC 9110 §8.8.3.2.
 */

/** One parsed entity tag. */
export interface EntityTag {
  /** True for a `W/` (weak) tag. */
  weak: boolean;
  /** The opaque tag including its double quotes, e.g. `"abc"`. */
  opaque: string;
}

/** A parsed `If-Match` / `If-None-Match` value: `*`, a list of tags, or unparseable. */
export type EntityTagList =
  | { kind: "any" }
  | { kind: "list"; tags: EntityTag[] }
  | { kind: "invalid" };

/** File metadata an entity tag is derived from. */
export interface EtagSource {
  /** Size in bytes. */
  size: number;
  /** Modification time in epoch ms, or null when the platform does not report it. */
  mtimeMs: number | null;
  /** Inode number, when available; distinguishes a replaced file with equal size and mtime. */
  ino?: number | null;
  /** A strong tag computed ahead of time (e.g. from content at build time); used as is. */
  etag?: string;
}

/** Double quote, the delimiter of an opaque-tag. */
const DQUOTE = 0x22;

/**
 * Computes a strong entity tag `"<mtime>-<size>[-<ino>]"` (lower-case hex
 * fields) from file metadata, nginx-style: cheap (no content hashing), stable
 * for the same inputs, and different whenever any input changes because the
 * fields are joined, never hashed. A missing mtime leaves its field empty.
 * A precomputed `etag` (embedded sites hash their content at build time) wins.
 */
export function computeEtag(info: EtagSource): string {
  if (info.etag !== undefined) return info.etag;
  const fields = [
    info.mtimeMs === null ? "" : encodeHex(info.mtimeMs),
    encodeHex(info.size),
  ];
  if (info.ino !== undefined && info.ino !== null) fields.push(encodeHex(info.ino));
  return `"${fields.join("-")}"`;
}

/**
 * Parses a single entity tag (`"x"` or `W/"x"`, RFC 9110 §8.8.3), with no
 * surrounding whitespace; returns undefined when it is not exactly one tag.
 */
export function parseEntityTag(value: string): EntityTag | undefined {
  const scanned = scanEntityTag(value, 0);
  if (scanned === undefined || scanned.end !== value.length) return undefined;
  return scanned.tag;
}

/**
 * Parses an `If-Match` / `If-None-Match` value (RFC 9110 §13.1.1, §13.1.2):
 * `*` alone, or a comma-separated list of entity tags with optional
 * whitespace. Empty list elements are skipped (RFC 9110 §5.6.1); any
 * malformed member, or no member at all, makes the whole value invalid.
 */
export function parseEntityTagList(value: string): EntityTagList {
  const length = value.length;
  let pos = skipWhitespace(value, 0);
  if (value[pos] === "*" && skipWhitespace(value, pos + 1) === length) return { kind: "any" };

  const tags: EntityTag[] = [];
  while (pos < length) {
    if (value[pos] === ",") {
      pos = skipWhitespace(value, pos + 1);
      continue;
    }
    const scanned = scanEntityTag(value, pos);
    if (scanned === undefined) return { kind: "invalid" };
    tags.push(scanned.tag);
    pos = skipWhitespace(value, scanned.end);
    if (pos < length && value[pos] !== ",") return { kind: "invalid" };
  }
  return tags.length === 0 ? { kind: "invalid" } : { kind: "list", tags };
}

/**
 * Strong comparison (RFC 9110 §8.8.3.2) of the server's current tag against
 * a parsed list, as `If-Match` and `If-Range` require: both tags must be
 * strong and their opaque parts equal. `*` matches (the caller has a current
 * representation); an invalid list or an unparseable current tag never does.
 */
export function matchesStrong(list: EntityTagList, etag: string): boolean {
  if (list.kind === "any") return true;
  if (list.kind === "invalid") return false;
  const current = parseEntityTag(etag);
  if (current === undefined || current.weak) return false;
  return list.tags.some((tag) => !tag.weak && tag.opaque === current.opaque);
}

/**
 * Weak comparison (RFC 9110 §8.8.3.2), as `If-None-Match` requires: opaque
 * parts equal whatever either tag's weakness. `*` matches; an invalid list or
 * an unparseable current tag never does.
 */
export function matchesWeak(list: EntityTagList, etag: string): boolean {
  if (list.kind === "any") return true;
  if (list.kind === "invalid") return false;
  const current = parseEntityTag(etag);
  if (current === undefined) return false;
  return list.tags.some((tag) => tag.opaque === current.opaque);
}

/** Scans one entity tag starting at `start`; returns it and the index just past it. */
function scanEntityTag(
  value: string,
  start: number,
): { tag: EntityTag; end: number } | undefined {
  let pos = start;
  const weak = value.startsWith("W/", pos);
  if (weak) pos += 2;
  if (value.charCodeAt(pos) !== DQUOTE) return undefined;
  const opaqueStart = pos;
  pos++;
  while (pos < value.length) {
    const code = value.charCodeAt(pos);
    if (code === DQUOTE) {
      return { tag: { weak, opaque: value.slice(opaqueStart, pos + 1) }, end: pos + 1 };
    }
    if (!isEtagChar(code)) return undefined;
    pos++;
  }
  return undefined;
}

/** `etagc = %x21 / %x23-7E / obs-text` (RFC 9110 §8.8.3); obs-text is %x80-FF. */
function isEtagChar(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/** Returns the index of the first character at or after `pos` that is not OWS (SP / HTAB). */
function skipWhitespace(value: string, pos: number): number {
  while (pos < value.length && (value[pos] === " " || value[pos] === "\t")) pos++;
  return pos;
}

/** Encodes a finite number as lower-case hex of its integer part; negatives get an `n` prefix. */
function encodeHex(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot compute ETag: "${value}" is not a finite number`);
  }
  const integer = Math.trunc(value);
  return integer < 0 ? `n${(-integer).toString(16)}` : integer.toString(16);
}
