/**
 * @module
 * The order of a directory listing: the `?sort=name|size|modified&order=asc|desc`
 * query (Caddy's `browse` convention, so sorting works without JavaScript),
 * read leniently, and the comparison that puts folders first and names in the
 * order people expect (natural, case-insensitive, locale-aware).
 */

/** What a listing can be sorted by. */
export type ListingSortKey = "name" | "size" | "modified";
/** Ascending or descending. */
export type ListingSortOrder = "asc" | "desc";

/** A listing's order, as the query asked for it (or the default). */
export interface ListingOrder {
  /** The column sorted on. */
  readonly sort: ListingSortKey;
  /** The direction. */
  readonly order: ListingSortOrder;
  /** `sort:order`, the key under which a rendered page is memoised (6 values). */
  readonly key: string;
}

/** The fields of an entry the order looks at. */
export interface SortableEntry {
  /** File name as stored on disk. */
  readonly name: string;
  /** Folders come first in every order. */
  readonly kind: "file" | "directory";
  /** Size in bytes (files only). */
  readonly size: number | null;
  /** Modification time in ms since the epoch, if known. */
  readonly mtimeMs: number | null;
}

const SORT_KEYS: readonly ListingSortKey[] = ["name", "size", "modified"];
const SORT_ORDERS: readonly ListingSortOrder[] = ["asc", "desc"];

/** The 6 orders, made once so parsing a query allocates nothing. */
const ORDERS: ReadonlyMap<string, ListingOrder> = new Map(
  SORT_KEYS.flatMap((sort) =>
    SORT_ORDERS.map((order) => [`${sort}:${order}`, { sort, order, key: `${sort}:${order}` }])
  ),
);

/** Name, ascending: what a listing shows without a query. */
export const DEFAULT_LISTING_ORDER: ListingOrder = ORDERS.get("name:asc")!;

/**
 * The order `params` ask for. Each parameter is read on its own and an
 * unknown or repeated-but-invalid value falls back to its default (`name`,
 * `asc`): a listing link with a stale or mistyped query still answers 200,
 * and the value is never echoed back.
 */
export function parseListingOrder(params: URLSearchParams): ListingOrder {
  const sort = params.get("sort");
  const order = params.get("order");
  const sortKey = SORT_KEYS.includes(sort as ListingSortKey) ? sort : "name";
  const orderKey = SORT_ORDERS.includes(order as ListingSortOrder) ? order : "asc";
  return ORDERS.get(`${sortKey}:${orderKey}`)!;
}

/**
 * The listing order for a request URL's query string (`search`, with its
 * `?`). PERF: a request without a query (nearly all) parses nothing.
 */
export function listingOrderOf(search: string): ListingOrder {
  return search === "" ? DEFAULT_LISTING_ORDER : parseListingOrder(new URLSearchParams(search));
}

/**
 * Natural, case-insensitive, locale-aware name order (`file2` before
 * `file10`, `a` beside `A`, `é` beside `e`), in the process's default locale.
 * One collator for the process: building one costs far more than comparing.
 */
const NAME_COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Names people-first, then by code points so names the collator calls equal keep one order. */
export function compareNames(a: string, b: string): number {
  return NAME_COLLATOR.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Compares two entries in `order`: folders first always, ties broken by name. */
export function compareEntries(
  a: SortableEntry,
  b: SortableEntry,
  order: ListingOrder = DEFAULT_LISTING_ORDER,
): number {
  if (a.kind !== b.kind) return a.kind === "directory" ? -1 : 1;
  let result = 0;
  if (order.sort === "size") result = (a.size ?? 0) - (b.size ?? 0);
  else if (order.sort === "modified") result = (a.mtimeMs ?? 0) - (b.mtimeMs ?? 0);
  if (result === 0) result = compareNames(a.name, b.name);
  return order.order === "desc" ? -result : result;
}

/** A sorted copy of `entries` in `order`. */
export function sortEntries<T extends SortableEntry>(
  entries: readonly T[],
  order: ListingOrder,
): T[] {
  return entries.toSorted((a, b) => compareEntries(a, b, order));
}

/**
 * The query a column header links to: that column ascending, or descending
 * when the listing is already sorted on it ascending (a second click reverses).
 */
export function sortLinkQuery(column: ListingSortKey, current: ListingOrder): string {
  const order = current.sort === column && current.order === "asc" ? "desc" : "asc";
  return `?sort=${column}&order=${order}`;
}
