/**
 * @module
 * The value schemas several settings share — header names and values, file
 * names, paths below the root, bounded integers — and the `v.metadata` keys
 * berth attaches to settings. Declarations only.
 */

import * as v from "valibot";

/** An HTTP field name (RFC 9110 §5.1: a token). */
export const HEADER_NAME_REGEXP = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * An HTTP field value berth accepts (RFC 9110 §5.5): visible ASCII, space,
 * tab and obs-text (Latin-1), so no CR, LF, NUL or other controls, and nothing
 * above U+00FF, which `Headers` would reject at request time.
 */
export const HEADER_VALUE_REGEXP = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A URL (rather than a file path) given where either is allowed. */
export const URL_VALUE_REGEXP = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** Allowed host names: letters, digits and the punctuation of IPv4/IPv6 literals. */
export const HOST_REGEXP = /^[A-Za-z0-9._:%-]+$/;
/** An index file name: one path segment. */
export const FILE_NAME_REGEXP = /^(?!\.\.?$)[^/\\\0]+$/;
/** A path below the root: no leading slash, no `..` segment, no NUL. */
export const ROOT_RELATIVE_REGEXP = /^(?![/\\])(?!.*(?:^|[/\\])\.\.(?:[/\\]|$))[^\0]*$/;

/** Largest timer delay that `setTimeout` honours (2^31 - 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Extra facts about a setting, attached with `v.metadata`. */
export interface SettingMeta {
  /** A file path: resolved against the config file's directory, or the cwd. */
  path?: boolean;
  /** Never print the value (also implied by a secret-looking name). */
  secret?: boolean;
  /** Phrase for error messages, completing "<value> is not …". */
  allowed?: string;
  /** A path that may also be a URL, which is kept as is (not resolved). */
  url?: boolean;
}

/** The keys of {@linkcode SettingMeta}: berth's own, not JSON Schema's. */
export const SETTING_META_KEYS: readonly (keyof SettingMeta)[] = [
  "path",
  "secret",
  "allowed",
  "url",
];

/** A string that is not empty. */
export const NON_EMPTY_STRING = v.pipe(v.string(), v.nonEmpty());

/** A header name, as a record key. */
export const HEADER_NAME = v.pipe(
  v.string(),
  v.regex(HEADER_NAME_REGEXP),
  v.metadata({ allowed: "a header name (letters, digits and !#$%&'*+-.^_`|~)" }),
);

/** A header value berth can send. */
export const HEADER_VALUE = v.pipe(
  v.string(),
  v.regex(HEADER_VALUE_REGEXP),
  v.metadata({
    allowed:
      "a header value of printable Latin-1 characters (no CR, LF or other control characters)",
  }),
);

/** A Cache-Control value: a header value that is not empty. */
export const CACHE_CONTROL_VALUE = v.pipe(NON_EMPTY_STRING, v.regex(HEADER_VALUE_REGEXP));

/** An integer from `min` to `max`, both included. */
export function integerBetween(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}
