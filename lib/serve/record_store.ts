/**
 * @module
 * Loads a file's record (see representation.ts) and keeps it in the hot-file
 * cache under the URL path that reached it, with the validators a hit must
 * match and the paths whose change drops it.
 */

import type { FileInfo } from "../fs/types.ts";
import type { FileCache } from "./file_cache.ts";
import { buildFileRecord, type FileRecord, type RecordSettings } from "./representation.ts";
import type { Resource } from "./resource.ts";

/** Where a record goes and what else it depends on. */
export interface RecordPlacement {
  /** Cache epoch when the request's resolution started. */
  epoch: number;
  /** False for an answer that may not be kept (a later index name). */
  cacheable: boolean;
  /** Directories whose children it depends on (an index page's directory). */
  directories: readonly string[];
  /** The directory an index page stands for, checked by the guard on every hit. */
  container: Resource | null;
}

/** Loads records, caching them when there is a cache. */
export type RecordLoader = (
  key: string,
  file: { path: string; info: FileInfo; segments: readonly string[] },
  placement: RecordPlacement,
) => Promise<FileRecord>;

/** Builds the loader over `settings`, storing into `cache` when given. */
export function createRecordLoader(
  settings: RecordSettings,
  cache: FileCache | undefined,
): RecordLoader {
  return async function loadAndCacheRecord(key, file, placement) {
    const cached = cache !== undefined && placement.cacheable;
    const built = await buildFileRecord(file, file.segments, settings, {
      key: cached ? key : null,
      container: placement.container,
    });
    if (cached) {
      cache.set(key, {
        value: built.record,
        bytes: built.bytes,
        validators: built.validators,
        dependencies: { files: built.files, directories: placement.directories },
      }, placement.epoch);
    }
    return built.record;
  };
}
