/**
 * @module
 * The small filesystem interface the server core runs on, so it can serve a
 * real directory, a fake tree in tests or a site embedded in a binary.
 * Implementations throw `Deno.errors.NotFound` for missing paths.
 */

/** What the core needs to know about a path: its type, size and validators. */
export interface FileInfo {
  /** True for a regular file. */
  isFile: boolean;
  /** True for a directory. */
  isDirectory: boolean;
  /** True for a symbolic link (only ever set by `lstat`). */
  isSymlink: boolean;
  /** Size in bytes. */
  size: number;
  /** Last modification time in milliseconds since the epoch, when known. */
  mtimeMs: number | null;
  /** Inode number, when the platform has one; part of the ETag. */
  ino: number | null;
  /** Device of the inode, when known (with `ino`, names the file whatever its path). */
  dev?: number | null;
  /** Number of hard links, when known: above 1, other paths name the same bytes. */
  nlink?: number | null;
  /** A strong ETag known in advance (an embedded file's content hash); replaces the metadata one. */
  etag?: string;
}

/** One entry of a directory listing. */
export interface DirEntry {
  /** Entry name, without any directory part. */
  name: string;
  /** True for a regular file. */
  isFile: boolean;
  /** True for a directory. */
  isDirectory: boolean;
  /** True for a symbolic link (not followed). */
  isSymlink: boolean;
}

/** An open file handle; `Deno.FsFile` satisfies it. */
export interface OpenFile {
  /** The file's bytes from the current position; consuming it closes the file. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Reads into `buffer`, resolving to the byte count or `null` at end of file. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Moves the position, resolving to the new offset from the start. */
  seek(offset: number, whence: Deno.SeekMode): Promise<number>;
  /** Closes the handle; call it once unless `readable` was consumed. */
  close(): void;
}

/**
 * The filesystem operations the server uses: asynchronous, except the
 * optional `statSync` and `readRangeSync`. Pass one as `createHandler`'s `fs`
 * to serve from something other than the real disk; paths are absolute.
 *
 * @example Serving through your own filesystem
 * ```ts
 * import { createHandler, type FileSystem } from "@berth/berth";
 *
 * declare const bucket: FileSystem; // e.g. a tree kept in memory
 * const berth = await createHandler({ settings: { root: "/" }, fs: bucket });
 * ```
 */
export interface FileSystem {
  /** Information about a path, following symlinks. */
  stat(path: string): Promise<FileInfo>;
  /**
   * `stat` without the async round trip, for the cache's check on every hit
   * (the metadata of a file just served is in the kernel's cache). Optional:
   * without it the cache checks hits with `stat` and remembers no 404s.
   */
  statSync?(path: string): FileInfo;
  /**
   * Reads `length` bytes from `start` with blocking calls, for small ranges of
   * files too big to cache: open, seek and read as async ops cost ~90 µs,
   * blocking ones ~13 µs. Null when the file is shorter (it changed).
   * `ino` is the inode the caller has just seen at `path`: an implementation
   * may keep the file open and reuse it while that is still the one.
   * Optional: without it, small ranges are read through `open`.
   */
  readRangeSync?(
    path: string,
    start: number,
    length: number,
    ino?: number | null,
  ): Uint8Array<ArrayBuffer> | null;
  /** Information about a path itself, not following a final symlink. */
  lstat(path: string): Promise<FileInfo>;
  /** The canonical absolute path with every symlink resolved. */
  realPath(path: string): Promise<string>;
  /** Opens a file for reading. */
  open(path: string): Promise<OpenFile>;
  /** The entries of a directory, in no particular order. */
  readDir(path: string): AsyncIterable<DirEntry>;
  /** The whole content of a (small) file. */
  readFile(path: string): Promise<Uint8Array>;
}
