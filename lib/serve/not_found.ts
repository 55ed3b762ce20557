/**
 * @module
 * The file core's "nothing here" answer: the custom 404 page when it is on,
 * exists and the caller may see it, else the built-in one. With access rules,
 * a missing path is first checked as if it lay where its nearest existing
 * directory really is, so a 404 never tells which protected files exist.
 */

import type { RequestContext } from "../compose.ts";
import type { FileSystem } from "../fs/types.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { STATUS } from "../http/constants.ts";
import type { CanonicalPath } from "../http/request_path.ts";
import { createErrorResponder } from "./error_response.ts";
import { sendWhole } from "./answer_file.ts";
import type { FileCache } from "./file_cache.ts";
import type { RecordLoader } from "./record_store.ts";
import { createErrorPage, type FileRecord, type WholeAnswer } from "./representation.ts";
import { keyOf, type SiteResolver } from "./resolver.ts";
import { admitResource, type Resource, resourceAt, type ResourceGuard } from "./resource.ts";

/** Options for {@linkcode createNotFoundResponder}. */
export interface NotFoundOptions {
  /** Where a streamed page is read from. */
  fs: FileSystem;
  /** Real path of the root (the page's real path is judged relative to it). */
  root: string;
  /** Root-relative page sent with status 404 when present, e.g. `404.html`; null: built-in only. */
  notFoundPage: string | null;
  /** Finds the page and, with access rules, where a missing path would lie. */
  resolver: SiteResolver;
  /** Where the page's record is kept, like a request for it. */
  cache?: FileCache;
  /** Builds and caches the page's record. */
  loadRecord: RecordLoader;
  /** Access rules: the page only for callers who may read it; missing paths where they would lie. */
  guard?: ResourceGuard;
  /** Headers every answer starts from. */
  base: BaseHeaders;
  /** The site's home for the built-in page's link: `/`, or the `basePath` berth is mounted at. */
  home?: string;
}

/** The two ways the core says "not found". */
export interface NotFoundResponder {
  /**
   * For a path that resolves to nothing: the guard's answer for where it
   * would lie when access rules apply, else the 404.
   * SECURITY: through `pub/adm -> ../admin`, a 404 for `/pub/adm/x` and a
   * 401 for `/pub/adm/a.txt` would tell a visitor which protected files
   * exist; this way every name under a protected folder gets the 401.
   */
  respondMissing(request: Request, context: RequestContext): Promise<Response>;
  /** The 404 itself (custom page or built-in). */
  respondNotFound(request: Request, context: RequestContext): Promise<Response>;
}

/** Builds the responder. */
export function createNotFoundResponder(options: NotFoundOptions): NotFoundResponder {
  const { fs, resolver, cache, guard } = options;
  const respondWithBuiltInNotFound = createErrorResponder(
    STATUS.NOT_FOUND,
    "Nothing is served at this path",
    { baseHeaders: options.base, home: options.home },
  );
  const pageSegments = options.notFoundPage === null
    ? null
    : options.notFoundPage.split("/").filter((segment) => segment !== "");
  // The page is cached like a request for it, under its own URL path.
  const pageKey = pageSegments === null ? null : keyOf(pageSegments);
  /** The page's error answer, rebuilt when its record is. */
  let page: { record: FileRecord; answer: WholeAnswer } | null = null;

  /** Whether the caller may see the page, judged by its real path. */
  function mayShow(context: RequestContext, resource: Resource | null): boolean {
    return guard === undefined || resource === null || guard.mayShow(context, resource);
  }

  /**
   * The custom page's record for this caller; undefined when it is off, not a
   * file, or the caller may not read it. SECURITY: the guard decides on the
   * page's real path before its bytes are read.
   */
  async function findPage(context: RequestContext): Promise<FileRecord | undefined> {
    if (pageSegments === null || pageKey === null) return undefined;
    if (cache !== undefined) {
      const hit = cache.checksNow ? cache.get(pageKey) : await cache.getChecked(pageKey);
      if (hit !== undefined) {
        return hit.kind === "file" && mayShow(context, hit.resource) ? hit : undefined;
      }
    }
    const known = resolver.lookup(pageKey);
    if (known?.kind === "not-found") {
      cache?.countHit();
      return undefined;
    }
    const epoch = cache?.epoch ?? 0;
    const found = known ?? await resolver.resolve(pageSegments, pageKey);
    if (found.kind !== "file" || !mayShow(context, resourceAt(options.root, found.path, false))) {
      return undefined;
    }
    return await options.loadRecord(pageKey, { ...found, segments: pageSegments }, {
      epoch,
      cacheable: true,
      directories: [],
      container: null,
    });
  }

  async function respondNotFound(request: Request, context: RequestContext): Promise<Response> {
    context.outcome.resource = null;
    try {
      const record = await findPage(context);
      if (record !== undefined && mayShow(context, record.resource)) {
        // Not the page's own _headers block: a block for its folder (say an
        // immutable Cache-Control) would then apply to every 404 of the site.
        if (page?.record !== record) {
          page = { record, answer: createErrorPage(record, STATUS.NOT_FOUND) };
        }
        return await sendWhole(fs, request, page.answer, STATUS.NOT_FOUND);
      }
    } catch (error) {
      // The page went away between its lookup and its read: still a 404.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return respondWithBuiltInNotFound(request);
  }

  async function respondMissingGuarded(
    request: Request,
    context: RequestContext,
    path: CanonicalPath,
  ): Promise<Response> {
    const resource = await resolver.locate(path.segments, path.trailingSlash);
    return admitResource(guard, request, context, resource) ??
      await respondNotFound(request, context);
  }

  return {
    respondMissing(request, context) {
      // Without access rules there is nothing to check (and no await to pay for).
      if (guard === undefined || !context.path.ok) return respondNotFound(request, context);
      return respondMissingGuarded(request, context, context.path);
    },
    respondNotFound,
  };
}
