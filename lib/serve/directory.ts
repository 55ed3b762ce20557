/**
 * @module
 * Answers a request for a directory (its URL ends in `/`): the first index
 * file that exists, else a listing when listings are on, else the not-found
 * answer. A burst of requests for one directory shares a single read of it,
 * and a listing is filtered per visitor when access rules apply.
 */

import { join } from "node:path";
import type { AuthenticatedUser, RequestContext } from "../compose.ts";
import type { FileInfo, FileSystem } from "../fs/types.ts";
import { prefersJson } from "../http/accept.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { ResponseTemplate } from "../http/response_template.ts";
import type { FileCache } from "./file_cache.ts";
import type { FileAnswerer } from "./answer_file.ts";
import { toValidator } from "./freshness.ts";
import { type ListingEntry, readListing, renderListingHtml, renderListingJson } from "./listing.ts";
import {
  DEFAULT_LISTING_ORDER,
  type ListingOrder,
  listingOrderOf,
  sortEntries,
} from "./listing_order.ts";
import { LISTING_PAGE_CSP } from "./listing_page.ts";
import type { RecordLoader } from "./record_store.ts";
import type { SiteResolver } from "./resolver.ts";
import { admitResource, type Resource, resourceAt, type ResourceGuard } from "./resource.ts";

/** A directory's listing as kept in the cache. */
export interface ListingRecord {
  /** Tells a listing from a file record. */
  readonly kind: "listing";
  /** The URL segments it was read for (links and title are built from them). */
  readonly segments: readonly string[];
  /** The listed directory, by real path. */
  readonly resource: Resource | null;
  /** Every entry a request may see, in the default order. */
  readonly entries: readonly ListingEntry[];
  /** The entries in the other orders asked for, sorted on first request (at most 5). */
  readonly sorted: Map<string, readonly ListingEntry[]>;
  /**
   * The answers rendered so far (unfiltered listings only), by format and
   * order: at most 12 (HTML and JSON × 3 columns × 2 directions).
   */
  readonly pages: Map<string, ResponseTemplate>;
}

/** Whether a listing may show an entry to `user`, by URL segments and real path (`resource`). */
export type CanList = (
  segments: readonly string[],
  options: { directory: boolean; user: AuthenticatedUser | null; resource: string },
) => boolean;

/** Options for {@linkcode createDirectoryAnswerer}. */
export interface DirectoryAnswererOptions {
  /** Where directories are read. */
  fs: FileSystem;
  /** Real absolute path of the root. */
  root: string;
  /** Resolves index names as requests for them would be. */
  resolver: SiteResolver;
  /** Index file names tried in order. */
  index: readonly string[];
  /** Whether directories without an index get a listing. */
  listing: boolean;
  /** Per-visitor filter of listings (access rules); absent means every visitor sees the same. */
  canList?: CanList;
  /** Access rules on the directory and its index file (real paths). */
  guard?: ResourceGuard;
  /** Where listings are kept. */
  cache?: FileCache;
  /** Headers every answer starts from (security, CORS; see base_headers.ts). */
  baseHeaders?: BaseHeaders;
  /** Builds and caches an index page's record. */
  loadRecord: RecordLoader;
  /** Answers with an index page. */
  answerFile: FileAnswerer;
  /** The not-found answer (no index, listings off). */
  respondNotFound(request: Request, context: RequestContext): Promise<Response>;
}

/** A directory a request resolved to, with where its answer is cached. */
export interface DirectoryTarget {
  /** Cache key (the request's URL path). */
  key: string;
  /** The request's URL segments. */
  segments: readonly string[];
  /** The directory by real path. */
  directory: { path: string; info: FileInfo };
  /** The directory as a resource, which the guard has already admitted. */
  resource: Resource | null;
  /** Cache epoch when the resolution started. */
  epoch: number;
}

/** Answers directory requests. */
export interface DirectoryAnswerer {
  /** Index, listing or not found for a freshly resolved directory the guard has admitted. */
  answerDirectory(
    request: Request,
    context: RequestContext,
    target: DirectoryTarget,
  ): Promise<Response>;
  /** A cached listing's answer, once the guard admits the directory. */
  answerListing(request: Request, context: RequestContext, listing: ListingRecord): Response;
}

/** Builds the directory answerer. */
export function createDirectoryAnswerer(options: DirectoryAnswererOptions): DirectoryAnswerer {
  const { fs, root, resolver, guard, cache } = options;
  const base = options.baseHeaders ?? NO_BASE_HEADERS;
  // Only the first index name can be cached without a watcher: a newly
  // created earlier name would otherwise go unnoticed.
  const firstIndex = options.index[0];
  // Concurrent misses for one directory share one read and one record, so a
  // burst renders the page once; the in-flight reads are bounded by requests.
  const listingsInFlight = new Map<string, Promise<ListingRecord>>();

  async function answerDirectory(
    request: Request,
    context: RequestContext,
    target: DirectoryTarget,
  ): Promise<Response> {
    const { segments, directory, epoch, resource } = target;
    const joined = join(root, ...segments);
    const directories = [joined, directory.path];
    for (const name of options.index) {
      const indexSegments = [...segments, name];
      const index = await resolver.resolve(indexSegments);
      if (index.kind !== "file") continue;
      const indexResource = resourceAt(root, index.path, false);
      const deniedIndex = admitResource(guard, request, context, indexResource);
      if (deniedIndex !== null) return deniedIndex;
      const record = await options.loadRecord(target.key, { ...index, segments: indexSegments }, {
        epoch,
        // A later index name is only right while the earlier ones stay missing.
        cacheable: name === firstIndex,
        directories,
        container: resource,
      });
      return await options.answerFile(request, record);
    }
    if (!options.listing) return await options.respondNotFound(request, context);
    const flightKey = `${epoch}\0${directory.path}`;
    let pending = listingsInFlight.get(flightKey);
    if (pending === undefined) {
      pending = readListing(fs, segments, { ...resolver.options, directoryPath: directory.path })
        .then((entries): ListingRecord => ({
          kind: "listing",
          segments,
          resource,
          entries,
          sorted: new Map(),
          pages: new Map(),
        }))
        .finally(() => listingsInFlight.delete(flightKey));
      listingsInFlight.set(flightKey, pending);
    }
    const shared = await pending;
    // Another path to the same directory (a symlink) needs its own links and title.
    const listing: ListingRecord = shared.segments.join("/") === segments.join("/")
      ? shared
      : { ...shared, segments, pages: new Map() };
    // Without a watcher, a listing is current as long as the directory's mtime is.
    cache?.set(target.key, {
      value: listing,
      bytes: listing.entries.length * 128,
      validators: [toValidator(joined, directory.info)],
      dependencies: { files: [], directories },
    }, epoch);
    return respondWithListing(request, context, listing);
  }

  function respondWithListing(
    request: Request,
    context: RequestContext,
    listing: ListingRecord,
  ): Response {
    const json = prefersJson(request.headers.get(HEADER.ACCEPT));
    const order = listingOrderOf(context.url.search);
    const { canList } = options;
    if (canList === undefined) {
      // The query picks one of 12 pages, never a new cache entry: the
      // listing stays one entry per directory however the query is spelled.
      const pageKey = json ? `json:${order.key}` : order.key;
      let template = listing.pages.get(pageKey);
      if (template === undefined) {
        const entries = entriesInOrder(listing, order);
        template = toListingTemplate(
          base,
          json,
          json
            ? renderListingJson(listing.segments, entries)
            : renderListingHtml(listing.segments, entries, order),
        );
        listing.pages.set(pageKey, template);
      }
      return template.respond(request.method);
    }
    // Filtered per visitor, so never memoized; private and varying on
    // credentials, which header rules may not undo (see private_caching.ts).
    context.outcome.protected = true;
    const { user } = context;
    // Filtering keeps the order, so the memoised sort serves every visitor.
    const entries = entriesInOrder(listing, order).filter((entry) => {
      const directory = entry.kind === "directory";
      const resource = resourceAt(root, entry.realPath, directory);
      // Fail closed: an entry whose real path is not under the root is not shown.
      if (resource === null) return false;
      return canList([...listing.segments, entry.name], {
        directory,
        user,
        resource: resource.accessPath,
      });
    });
    const bytes = TEXT_ENCODER.encode(
      json
        ? renderListingJson(listing.segments, entries)
        : renderListingHtml(listing.segments, entries, order),
    );
    const headers = {
      ...listingHeaders(base, json, bytes.byteLength),
      [HEADER.CACHE_CONTROL]: "private, no-cache",
      [HEADER.VARY]: "Accept, Authorization, Cookie",
    };
    return new Response(request.method === "HEAD" ? null : bytes, { status: STATUS.OK, headers });
  }

  return {
    answerDirectory,
    answerListing(request, context, listing) {
      return admitResource(guard, request, context, listing.resource) ??
        respondWithListing(request, context, listing);
    },
  };
}

/** The listing's entries in `order`, sorted once per listing and order. */
function entriesInOrder(listing: ListingRecord, order: ListingOrder): readonly ListingEntry[] {
  if (order === DEFAULT_LISTING_ORDER) return listing.entries;
  let sorted = listing.sorted.get(order.key);
  if (sorted === undefined) {
    sorted = sortEntries(listing.entries, order);
    listing.sorted.set(order.key, sorted);
  }
  return sorted;
}

/**
 * Headers of an HTML or JSON listing of `length` bytes, over the base
 * headers; the HTML page carries its own Content-Security-Policy (its
 * inline style and script allowed by hash).
 */
function listingHeaders(base: BaseHeaders, json: boolean, length: number): Record<string, string> {
  const headers: Record<string, string> = {
    ...base,
    [HEADER.CONTENT_TYPE]: json ? "application/json; charset=utf-8" : "text/html; charset=utf-8",
    [HEADER.CONTENT_LENGTH]: String(length),
    [HEADER.CACHE_CONTROL]: "no-cache",
    [HEADER.VARY]: "Accept",
  };
  if (!json) headers["content-security-policy"] = LISTING_PAGE_CSP;
  return headers;
}

/** A rendered listing's answer, built once for every visitor. */
function toListingTemplate(base: BaseHeaders, json: boolean, text: string): ResponseTemplate {
  const bytes = TEXT_ENCODER.encode(text);
  return new ResponseTemplate(bytes, {
    status: STATUS.OK,
    headers: listingHeaders(base, json, bytes.byteLength),
  });
}

const TEXT_ENCODER = new TextEncoder();
