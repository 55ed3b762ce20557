/**
 * @module
 * Precompressed siblings (`report.txt.gz`, `.br`, `.zst`) are the same
 * resource as the file they encode: whoever may not read `report.txt` may not
 * read its `.gz` either. This names the suffixes once for access rules,
 * listings and berth's own-files set.
 */

/** Suffixes of the precompressed siblings berth knows. */
export const ENCODED_SIBLING_SUFFIXES: readonly string[] = [".gz", ".br", ".zst"];

/** A trailing `.gz`, `.br` or `.zst` (any case: some disks ignore it). */
export const ENCODING_SUFFIX_REGEXP = new RegExp(
  `(?:${ENCODED_SIBLING_SUFFIXES.map((suffix) => `\\${suffix}`).join("|")})$`,
  "i",
);

/**
 * The path of the file an encoded sibling stands for, or null when `path`
 * does not end in an encoding suffix (or is nothing but one, like `/.gz`).
 */
export function encodedSiblingBase(path: string): string | null {
  const match = ENCODING_SUFFIX_REGEXP.exec(path);
  if (match === null) return null;
  const base = path.slice(0, match.index);
  return base === "" || base.endsWith("/") ? null : base;
}

/**
 * Every file `path` may encode, nearest first: `report.txt.gz.br` stands for
 * `report.txt.gz` and so for `report.txt` too.
 */
export function encodedSiblingBases(path: string): string[] {
  const bases: string[] = [];
  for (let base = encodedSiblingBase(path); base !== null; base = encodedSiblingBase(base)) {
    bases.push(base);
  }
  return bases;
}
