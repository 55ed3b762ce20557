/**
 * @module
 * Default `Cache-Control` policy: revalidate everything (304s are cheap),
 * except file names that carry a content hash, which never change and can be
 * cached for a year.
 */

/**
 * A content hash in a file name as Vite, webpack, Rollup and esbuild write it:
 * `app.3f9a1c2b.js`, `index-BdS3kX1a.js`, `chunk.d41d8cd9.css`. The hash part
 * has at least 8 characters with both a letter and a digit, so neither
 * `index-framework.js` nor `report-2024-01-01.pdf` is taken for one (a miss
 * only costs a revalidation; a false hit would pin a changing file for a year).
 */
export const HASHED_NAME_REGEXP =
  /[.-](?=[0-9_-]*[A-Za-z])(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;

/** The two policies, both configurable. */
export interface CacheControlPolicy {
  /** For ordinary files, e.g. `no-cache`. */
  default: string;
  /** For content-hashed file names, e.g. `public, max-age=31536000, immutable`. */
  immutable: string;
}

/** Picks the `Cache-Control` value for a file by its name. */
export function cacheControlFor(fileName: string, policy: CacheControlPolicy): string {
  return HASHED_NAME_REGEXP.test(fileName) ? policy.immutable : policy.default;
}
