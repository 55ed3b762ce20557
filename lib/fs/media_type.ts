/**
 * @module
 * File extension → `Content-Type`, from mime-db. The table is generated from
 * the pinned mime-db by scripts/generate_media_types.ts (which also picks one
 * type per extension the way `mime-types` v3 does, so `.js` is
 * `text/javascript`), because loading mime-db itself costs ~25 ms of startup.
 */

import { COMPRESSIBLE_OVERRIDES, CONTENT_TYPES } from "./media_types_table.ts";

/** The type for unknown or missing extensions (RFC 9110 §8.3). */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** Structured-syntax suffixes of textual formats (RFC 6839). */
const TEXT_SUFFIX_REGEXP = /\+(?:json|xml|text)$/;

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
  const extension = extensionOf(path);
  return Object.hasOwn(CONTENT_TYPES, extension) ? CONTENT_TYPES[extension] : DEFAULT_CONTENT_TYPE;
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
  if (Object.hasOwn(COMPRESSIBLE_OVERRIDES, type)) return COMPRESSIBLE_OVERRIDES[type];
  return type.startsWith("text/") || TEXT_SUFFIX_REGEXP.test(type);
}
