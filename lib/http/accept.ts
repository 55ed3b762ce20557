/**
 * @module
 * Proactive content negotiation helpers (RFC 9110 §12): parsing weighted
 * lists, choosing a content coding from `Accept-Encoding`, and reading
 * `Accept` to tell browsers from API clients.
 */

import { trimWhitespace } from "./whitespace.ts";

/** One member of a weighted list such as `Accept` or `Accept-Encoding`. */
export interface QualityItem {
  /** The member without parameters, lower-cased, e.g. `gzip` or `text/html`. */
  value: string;
  /** Its weight in [0, 1] with at most three decimals (RFC 9110 §12.4.2). */
  q: number;
}

/** A token, or a `type/subtype` media range, once lower-cased (RFC 9110 §5.6.2, §12.5.1). */
const MEMBER_VALUE_REGEXP = /^[!#$%&'*+\-.^_`|~0-9a-z]+(?:\/[!#$%&'*+\-.^_`|~0-9a-z]+)?$/;

/** A weight: digits with an optional fraction; out-of-range values are clamped afterwards. */
const QVALUE_REGEXP = /^[0-9]{1,16}(?:\.[0-9]{0,16})?$/;

/** A content coding name for which `x-` aliases exist (RFC 9110 §8.4.1.1, §8.4.1.3). */
const CODING_ALIASES: ReadonlyMap<string, string> = new Map([
  ["x-gzip", "gzip"],
  ["x-compress", "compress"],
]);

/** The content coding that means "no encoding" (RFC 9110 §12.5.3). */
const IDENTITY = "identity";

/**
 * Parses a weighted list (RFC 9110 §12.4.2) into members in header order.
 * Values are lower-cased and stripped of parameters other than `q`; `q`
 * defaults to 1, is clamped to [0, 1] and rounded to three decimals. A member
 * with an unparseable value or `q` is ignored, as are empty list elements.
 */
export function parseQualityList(value: string | null): QualityItem[] {
  if (value === null) return [];
  const items: QualityItem[] = [];
  for (const member of splitOutsideQuotes(value, ",")) {
    const [rawValue, ...parameters] = splitOutsideQuotes(member, ";");
    const itemValue = trimWhitespace(rawValue).toLowerCase();
    if (itemValue === "" || !MEMBER_VALUE_REGEXP.test(itemValue)) continue;
    const q = readWeight(parameters);
    if (q === undefined) continue;
    items.push({ value: itemValue, q });
  }
  return items;
}

/**
 * Chooses the best content coding from `available` for an `Accept-Encoding`
 * value (RFC 9110 §12.5.3): highest q wins, the server's order in
 * `available` breaks ties, `q=0` means not acceptable, and `*` covers codings
 * not listed. Returns null when none is acceptable, so the caller serves the
 * identity encoding. An absent header also yields null: RFC 9110 allows any
 * coding then, but clients that send nothing rarely decode anything.
 * `identity` is only returned when it is in `available`; unless listed, it
 * ranks below every coding the client named.
 */
export function chooseEncoding(
  acceptEncoding: string | null,
  available: readonly string[],
): string | null {
  if (acceptEncoding === null) return null;
  const items = parseQualityList(acceptEncoding).map((item) => ({
    value: CODING_ALIASES.get(item.value) ?? item.value,
    q: item.q,
  }));
  let best: string | null = null;
  let bestQ = 0;
  for (const candidate of available) {
    const q = weighEncoding(items, candidate.toLowerCase());
    if (q > bestQ) {
      best = candidate;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Whether an `Accept` value prefers JSON over HTML: true when JSON
 * (`application/json`, or any `…/json` or `…/…+json` member) weighs more than
 * `text/html`, or weighs the same but is named more specifically.
 * `Accept: application/json` → true; axios's
 * `application/json, text/plain, *\/*` → true; a browser's
 * `text/html,…,*\/*;q=0.8` → false; a full tie goes to HTML.
 */
export function prefersJson(accept: string | null): boolean {
  const items = parseQualityList(accept);
  let json = weighMediaType(items, "application/json");
  for (const item of items) {
    if (isJsonMediaRange(item.value) && item.q > json.q) {
      json = { q: item.q, specificity: EXACT_SPECIFICITY };
    }
  }
  const html = weighMediaType(items, "text/html");
  if (json.q !== html.q) return json.q > html.q;
  return json.q > 0 && json.specificity > html.specificity;
}

/**
 * Whether an `Accept` value names `text/html` explicitly with q > 0, as
 * browser navigations do; wildcards alone (curl's `*\/*`) do not count.
 */
export function acceptsHtml(accept: string | null): boolean {
  const html = parseQualityList(accept).find((item) => item.value === "text/html");
  return html !== undefined && html.q > 0;
}

/** Weight of one coding: its own member, else `*`, else 0; identity is a last resort. */
function weighEncoding(items: readonly QualityItem[], coding: string): number {
  const own = items.find((item) => item.value === coding);
  if (own !== undefined) return own.q;
  const wildcard = items.find((item) => item.value === "*");
  if (wildcard !== undefined) return wildcard.q;
  // RFC 9110 §12.5.3: identity stays acceptable unless refused; rank it below any named coding.
  return coding === IDENTITY ? Number.MIN_VALUE : 0;
}

/** A media type's weight and how specifically it was matched. */
interface MediaWeight {
  q: number;
  /** 2 for `type/subtype`, 1 for `type/*`, 0 for `*\/*`, -1 when nothing matched. */
  specificity: number;
}

/** Specificity of a media range naming the exact type and subtype. */
const EXACT_SPECIFICITY = 2;

/**
 * Weight of a media type under the most specific matching range
 * (RFC 9110 §12.5.1): `type/subtype` beats `type/*` beats `*\/*`; the first
 * listed wins among equals; q 0 when nothing matches.
 */
function weighMediaType(items: readonly QualityItem[], mediaType: string): MediaWeight {
  const [type] = mediaType.split("/");
  const weight: MediaWeight = { q: 0, specificity: -1 };
  for (const item of items) {
    let specificity = -1;
    if (item.value === mediaType) specificity = EXACT_SPECIFICITY;
    else if (item.value === `${type}/*`) specificity = 1;
    else if (item.value === "*/*") specificity = 0;
    if (specificity > weight.specificity) {
      weight.specificity = specificity;
      weight.q = item.q;
    }
  }
  return weight;
}

/** Whether a media range names a JSON type: subtype `json` or a `+json` suffix. */
function isJsonMediaRange(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const subtype = value.slice(slash + 1);
  return subtype === "json" || subtype.endsWith("+json");
}

/**
 * Reads the `q` parameter among a member's parameters: 1 when absent, the
 * clamped and rounded weight when valid, undefined when malformed.
 */
function readWeight(parameters: readonly string[]): number | undefined {
  for (const parameter of parameters) {
    const equals = parameter.indexOf("=");
    const name = trimWhitespace(equals < 0 ? parameter : parameter.slice(0, equals));
    if (name.toLowerCase() !== "q") continue;
    if (equals < 0) return undefined;
    const raw = trimWhitespace(parameter.slice(equals + 1));
    if (!QVALUE_REGEXP.test(raw)) return undefined;
    const q = Math.min(1, Math.max(0, Number(raw)));
    return Math.round(q * 1000) / 1000;
  }
  return 1;
}

/** Splits on a separator that is not inside a quoted-string (RFC 9110 §5.6.4). */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted) {
      if (char === "\\") i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') {
      quoted = true;
    } else if (char === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}
