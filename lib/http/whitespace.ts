/**
 * @module
 * Optional whitespace (OWS, RFC 9110 §5.6.3) handling shared by the header
 * parsers.
 */

/**
 * Removes OWS (SP / HTAB) from both ends. A loop, not `/[ \t]+$/`: that
 * regex backtracks quadratically on long runs of inner whitespace.
 */
export function trimWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/** SP or HTAB. */
function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
