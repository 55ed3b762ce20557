/**
 * @module
 * Log lines written in batches: lines wait until a batch is full or a few
 * milliseconds passed, whichever comes first, and one write is in flight at a
 * time. PERF: one write per line (a promise and an op each) cost more than
 * the rest of a cached-file request. Memory stays bounded when the reader of
 * the output stalls: past a limit, lines are dropped and counted, and the
 * count is reported in the next batch written (and in metrics).
 */

/** Timers, injected by tests. */
export interface BatchTimers {
  /** Calls `callback` once after `ms`; returns a handle for `clear`. */
  set(callback: () => void, ms: number): unknown;
  /** Cancels a pending `set`. */
  clear(handle: unknown): void;
}

/** Options for {@linkcode createLineBatcher}. */
export interface LineBatcherOptions {
  /** Writes one batch fully; the next write starts only once it settles. */
  write(chunk: Uint8Array): Promise<unknown>;
  /** The line (ending in `\n`) that reports `count` lines dropped since the last report. */
  dropNotice(count: number): string;
  /** A batch is written as soon as this many bytes wait (default 16 KiB). */
  batchBytes?: number;
  /**
   * Most bytes in one write (default: all that wait), at least one line.
   * Where several isolates share the output, {@linkcode ATOMIC_PIPE_WRITE_BYTES}.
   */
  maxWriteBytes?: number;
  /** A line waits at most this long before its batch is written, in ms (default 5). */
  flushDelayMs?: number;
  /** Lines are dropped while this many bytes already wait (default 1 MiB). */
  maxPendingBytes?: number;
  /** Timers (default: unref'd `setTimeout`). */
  timers?: BatchTimers;
}

/** The batcher; see the module doc. */
export interface LineBatcher {
  /** Queues `line` (ending in `\n`) for the next batch, or drops it while too much waits. */
  push(line: string): void;
  /** Queues `line` and starts writing now: for rare lines someone may be waiting to read. */
  pushNow(line: string): void;
  /** Resolves once every line queued so far (and any drop report) is written. */
  flush(): Promise<void>;
  /** Lines dropped since start (the reader stalled, or a write failed). */
  readonly dropped: number;
}

/**
 * PIPE_BUF on Linux: a write of at most this size to a pipe is atomic, so
 * isolates sharing stdout (`--workers`) never interleave inside a line. PERF:
 * writes this small cap an isolate's lines per second (one write in flight,
 * ~13 lines each), which is why a single isolate writes all that waits.
 */
export const ATOMIC_PIPE_WRITE_BYTES = 4096;

const DEFAULT_TIMERS: BatchTimers = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A pending batch never keeps the process alive: the stop path flushes.
    Deno.unrefTimer(handle);
    return handle;
  },
  clear: (handle) => clearTimeout(handle as number),
};

/** Builds a {@linkcode LineBatcher} over `options.write`. */
export function createLineBatcher(options: LineBatcherOptions): LineBatcher {
  const maxWriteBytes = options.maxWriteBytes ?? Number.POSITIVE_INFINITY;
  const batchBytes = Math.min(options.batchBytes ?? 16 * 1024, maxWriteBytes);
  const flushDelayMs = options.flushDelayMs ?? 5;
  const maxPendingBytes = options.maxPendingBytes ?? 1024 * 1024;
  const timers = options.timers ?? DEFAULT_TIMERS;
  const encoder = new TextEncoder();
  // Lines waiting are queue[head..]; the written ones before head are cut off in bulk.
  let queue: string[] = [];
  let head = 0;
  // Counted in UTF-16 code units: equal to bytes for the ASCII lines berth writes.
  let queuedBytes = 0;
  let writing: Promise<void> | null = null;
  let timer: unknown = null;
  let dropped = 0;
  let unreported = 0;

  function armTimer(): void {
    if (timer === null) timer = timers.set(onTimer, flushDelayMs);
  }

  function onTimer(): void {
    timer = null;
    if (writing === null) writeBatch();
  }

  /** Writes up to `maxWriteBytes` of the queue (at least one line), after any drop report. */
  function writeBatch(): void {
    if (timer !== null) {
      timers.clear(timer);
      timer = null;
    }
    if (head === queue.length && unreported === 0) return;
    let text = "";
    if (unreported > 0) {
      text = options.dropNotice(unreported);
      unreported = 0;
    }
    const first = head;
    let size = 0;
    while (
      head < queue.length &&
      (head === first || text.length + size + queue[head].length <= maxWriteBytes)
    ) {
      size += queue[head].length;
      head++;
    }
    const count = head - first;
    text += first === 0 && head === queue.length
      ? queue.join("")
      : queue.slice(first, head).join("");
    queuedBytes -= size;
    // PERF: the written lines leave the array in one go, not one shift each.
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head > 1024) {
      queue = queue.slice(head);
      head = 0;
    }
    writing = options.write(encoder.encode(text)).then(
      () => afterWrite(),
      () => {
        // The output is gone (a closed pipe): these lines are lost; say so if
        // a later write gets through.
        dropped += count;
        unreported += count;
        afterWrite();
      },
    );
  }

  function afterWrite(): void {
    writing = null;
    if (queuedBytes >= batchBytes) writeBatch();
    else if (head < queue.length) armTimer();
  }

  function push(line: string): void {
    if (queuedBytes >= maxPendingBytes) {
      dropped++;
      unreported++;
      return;
    }
    queue.push(line);
    queuedBytes += line.length;
    if (writing !== null) return;
    if (queuedBytes >= batchBytes) writeBatch();
    else armTimer();
  }

  return {
    push,
    pushNow(line) {
      push(line);
      if (writing === null) writeBatch();
    },
    async flush() {
      while (writing !== null || head < queue.length || unreported > 0) {
        if (writing === null) writeBatch();
        await writing;
      }
    },
    get dropped() {
      return dropped;
    },
  };
}
