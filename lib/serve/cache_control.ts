/**
 * @module
 * Default `Cache-Control` policy: revalidate everything (304s are cheap),
 * except file names that carry a content hash, which never change and can be
 * cached for a year.
 */

/** The two policies, both configurable. */
export interface CacheControlPolicy {
  /** For ordinary files, e.g. `no-cache`. */
  default: string;
  /** For content-hashed file names, e.g. `public, max-age=31536000, immutable`. */
  immutable: string;
}

/** A run of hash characters (hex, base62, base64url, base32) ending the name before its extension. */
const HASH_TOKEN_REGEXP = /[.-]([A-Za-z0-9_-]{8,})\.[A-Za-z0-9]+$/;

/** A word in camelCase or PascalCase (`myWidget`, `DataTable`): text, not a hash. */
const CAMEL_WORD_REGEXP = /^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$/;

/**
 * Whether `token` (8+ characters of `[A-Za-z0-9_-]`) looks like a bundler's
 * content hash: a letter and a digit (`3f9a1c2b`, `BdS3kX1a`, `5PZ6HTQL`),
 * or, without digits, an 8–12 character run that mixes upper and lower case
 * the way base62/base64url does and is no camelCase word (`CLDdwZDr`,
 * `DzgbqW_I`), the style of Vite and Rollup when no digit happens to be drawn.
 */
function looksLikeHash(token: string): boolean {
  const digit = /\d/.test(token);
  if (digit) return /[A-Za-z]/.test(token);
  if (token.length > 12 || !/[A-Z]/.test(token) || !/[a-z]/.test(token)) return false;
  return !CAMEL_WORD_REGEXP.test(token);
}

/**
 * Whether a file name carries a content hash as Vite, Rollup, webpack,
 * esbuild, Parcel and Next write them: `index-BdS3kX1a.js`,
 * `hero-CLDdwZDr.png`, `main.3f9a1c2b7e8d4a6f5b1c.js`, `app-5PZ6HTQL.js`,
 * `framework-2c79e2a64abdb08b.js`. Ordinary words are not hashes:
 * `my-component.js`, `jquery-3.7.1.min.js`, `report-2024-01-01.pdf` and
 * `react-dom.production.min.js` stay revalidated (a miss only costs a
 * revalidation; a false hit would pin a changing file for a year).
 */
export function isHashedName(fileName: string): boolean {
  const match = HASH_TOKEN_REGEXP.exec(fileName);
  if (match === null) return false;
  // The hash is the whole token or its last part after a "-" or "_" ("my-hero-CLDdwZDr").
  const token = match[1];
  if (looksLikeHash(token)) return true;
  for (let i = 0; i < token.length; i++) {
    const char = token[i];
    if ((char === "-" || char === "_") && token.length - i - 1 >= 8) {
      if (looksLikeHash(token.slice(i + 1))) return true;
    }
  }
  return false;
}

/** Picks the `Cache-Control` value for a file by its name. */
export function cacheControlFor(fileName: string, policy: CacheControlPolicy): string {
  return isHashedName(fileName) ? policy.immutable : policy.default;
}
