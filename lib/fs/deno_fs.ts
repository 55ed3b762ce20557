/**
 * @module
 * The {@linkcode FileSystem} backed by the real disk through Deno's async APIs
 * (plus `statSync`, which the cache uses to check its hits, and `readRangeSync`
 * for small byte ranges).
 * Deno's own errors (`Deno.errors.NotFound`, ...) pass through unchanged.
 */

import { type OpenFilePool, readAt } from "./open_file_pool.ts";
import type { DirEntry, FileInfo, FileSystem, OpenFile } from "./types.ts";

/** Maps Deno's stat result to the fields the core uses. */
function toFileInfo(info: Deno.FileInfo): FileInfo {
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    isSymlink: info.isSymlink,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? null,
    ino: info.ino ?? null,
    dev: info.dev ?? null,
    nlink: info.nlink ?? null,
  };
}

/** Yields a directory's entries as plain {@linkcode DirEntry} objects, without Deno extras. */
async function* readDirEntries(path: string): AsyncIterable<DirEntry> {
  for await (const entry of Deno.readDir(path)) {
    yield {
      name: entry.name,
      isFile: entry.isFile,
      isDirectory: entry.isDirectory,
      isSymlink: entry.isSymlink,
    };
  }
}

/** The real filesystem: async APIs except the cache's `statSync` check and small range reads. */
export const denoFileSystem: FileSystem = {
  async stat(path: string): Promise<FileInfo> {
    return toFileInfo(await Deno.stat(path));
  },
  statSync(path: string): FileInfo {
    return toFileInfo(Deno.statSync(path));
  },
  readRangeSync(path: string, start: number, length: number): Uint8Array<ArrayBuffer> | null {
    using file = Deno.openSync(path, { read: true });
    return readAt(file, start, length);
  },
  async lstat(path: string): Promise<FileInfo> {
    return toFileInfo(await Deno.lstat(path));
  },
  realPath(path: string): Promise<string> {
    return Deno.realPath(path);
  },
  open(path: string): Promise<OpenFile> {
    return Deno.open(path, { read: true });
  },
  readDir(path: string): AsyncIterable<DirEntry> {
    return readDirEntries(path);
  },
  readFile(path: string): Promise<Uint8Array> {
    return Deno.readFile(path);
  },
};

/**
 * The real filesystem with its small range reads going through `pool`, so
 * repeated ranges of one big file reuse an open handle. The server owns the
 * pool and closes it at shutdown.
 */
export function denoFileSystemWithPool(pool: OpenFilePool): FileSystem {
  return {
    ...denoFileSystem,
    readRangeSync: (path, start, length, ino) => pool.readRange(path, ino ?? null, start, length),
  };
}
