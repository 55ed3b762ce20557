import assert from "node:assert/strict";
import {
  type BatchTimers,
  createLineBatcher,
  type LineBatcher,
} from "../../lib/log/line_batcher.ts";

/** Timers that fire only when the test says so. */
function manualTimers(): BatchTimers & {
  fire(): void;
  readonly pending: number;
  delays: number[];
} {
  const callbacks = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  return {
    set(callback, ms) {
      callbacks.set(++next, callback);
      delays.push(ms);
      return next;
    },
    clear: (handle) => void callbacks.delete(handle as number),
    fire() {
      const due = [...callbacks.values()];
      callbacks.clear();
      for (const callback of due) callback();
    },
    get pending() {
      return callbacks.size;
    },
    delays,
  };
}

/** A writer that records each chunk and completes writes only when released (or at once). */
function recordingWriter(options: { stalled?: boolean; failing?: boolean } = {}) {
  const chunks: string[] = [];
  const waiting: (() => void)[] = [];
  let stalled = options.stalled ?? false;
  return {
    chunks,
    write(chunk: Uint8Array): Promise<void> {
      if (options.failing) return Promise.reject(new Error("broken pipe"));
      chunks.push(new TextDecoder().decode(chunk));
      if (!stalled) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    /** Lets every pending write complete, and later ones complete at once. */
    resume() {
      stalled = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    get inFlight() {
      return waiting.length;
    },
  };
}

const NOTICE = (count: number) => `dropped ${count}\n`;

/** Lets queued promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function batcherOver(
  writer: ReturnType<typeof recordingWriter>,
  timers: BatchTimers,
  sizes: { maxWriteBytes?: number; maxPendingBytes?: number } = {},
): LineBatcher {
  return createLineBatcher({
    write: (chunk) => writer.write(chunk),
    dropNotice: NOTICE,
    timers,
    flushDelayMs: 5,
    ...sizes,
  });
}

Deno.test("createLineBatcher() writes nothing until the delay passes, then one batch", async () => {
  const writer = recordingWriter();
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers);
  batcher.push("a\n");
  batcher.push("b\n");
  batcher.push("c\n");
  assert.deepEqual(writer.chunks, []);
  assert.equal(timers.pending, 1, "one timer for the batch, not one per line");
  assert.deepEqual(timers.delays, [5]);
  timers.fire();
  await settle();
  assert.deepEqual(writer.chunks, ["a\nb\nc\n"]);
  assert.equal(timers.pending, 0);
});

Deno.test("createLineBatcher() writes at once when a batch is full, in batches of at most maxWriteBytes", async () => {
  const writer = recordingWriter();
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers, { maxWriteBytes: 8 });
  for (const line of ["aaa\n", "bbb\n", "ccc\n", "ddd\n", "eee\n"]) batcher.push(line);
  await settle();
  // The first full batch went out without a timer; the rest waits for one.
  assert.deepEqual(writer.chunks.slice(0, 1), ["aaa\nbbb\n"]);
  await batcher.flush();
  assert.deepEqual(writer.chunks, ["aaa\nbbb\n", "ccc\nddd\n", "eee\n"]);
  for (const chunk of writer.chunks) assert.ok(chunk.length <= 8, chunk);
});

Deno.test("createLineBatcher() writes a line longer than a batch on its own, whole", async () => {
  const writer = recordingWriter();
  const batcher = batcherOver(writer, manualTimers(), { maxWriteBytes: 8 });
  batcher.push("x\n");
  batcher.push("a-very-long-line\n");
  await batcher.flush();
  assert.deepEqual(writer.chunks, ["x\n", "a-very-long-line\n"]);
});

Deno.test("createLineBatcher() keeps one write in flight and keeps the lines' order", async () => {
  const writer = recordingWriter({ stalled: true });
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers);
  batcher.pushNow("1\n");
  batcher.pushNow("2\n");
  batcher.push("3\n");
  await settle();
  assert.equal(writer.inFlight, 1);
  assert.deepEqual(writer.chunks, ["1\n"]);
  writer.resume();
  await batcher.flush();
  assert.deepEqual(writer.chunks.join(""), "1\n2\n3\n");
});

Deno.test("createLineBatcher() pushNow() writes without waiting for the delay", async () => {
  const writer = recordingWriter();
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers);
  batcher.push("access\n");
  batcher.pushNow("listening\n");
  await settle();
  assert.deepEqual(writer.chunks, ["access\nlistening\n"]);
  assert.equal(timers.pending, 0);
});

Deno.test("createLineBatcher() bounds memory while the writer stalls, counts drops and reports them next", async () => {
  const writer = recordingWriter({ stalled: true });
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers, { maxWriteBytes: 100, maxPendingBytes: 1000 });
  const line = "0123456789\n"; // 11 bytes
  for (let i = 0; i < 10_000; i++) batcher.push(line);
  await settle();
  // One batch in flight (at most 100 bytes), at most 1000 bytes (+ one line) queued.
  assert.equal(writer.inFlight, 1);
  const accepted = 10_000 - batcher.dropped;
  assert.ok(accepted * line.length <= 100 + 1000 + line.length, `accepted ${accepted}`);
  assert.ok(batcher.dropped > 9000, `dropped ${batcher.dropped}`);
  const droppedWhileStalled = batcher.dropped;
  writer.resume();
  // Once the stalled write completes, lines are taken again.
  await settle();
  batcher.push("after\n");
  await batcher.flush();
  const written = writer.chunks.join("");
  // The first batch written after the stall starts with the report.
  assert.ok(
    writer.chunks[1].startsWith(`dropped ${droppedWhileStalled}\n`),
    writer.chunks[1].slice(0, 20),
  );
  assert.equal(written.split(line).length - 1, accepted);
  assert.ok(written.endsWith("after\n"));
  assert.equal(batcher.dropped, droppedWhileStalled, "nothing dropped once the writer keeps up");
  // A later batch does not repeat the report.
  batcher.push("later\n");
  await batcher.flush();
  assert.equal(writer.chunks.at(-1), "later\n");
});

Deno.test("createLineBatcher() flush() writes everything queued and a pending drop report", async () => {
  const writer = recordingWriter({ stalled: true });
  const timers = manualTimers();
  const batcher = batcherOver(writer, timers, { maxWriteBytes: 3, maxPendingBytes: 3 });
  batcher.push("ab\n"); // a full batch: in flight
  batcher.push("cd\n"); // queued
  batcher.push("ef\n"); // queue full: dropped
  const flushed = batcher.flush();
  writer.resume();
  await flushed;
  assert.equal(batcher.dropped, 1);
  assert.equal(writer.chunks.join(""), "ab\ndropped 1\ncd\n");
  assert.equal(timers.pending, 0, "no timer left behind");
});

Deno.test("createLineBatcher() counts lines of a failed write as dropped and goes on", async () => {
  const writer = recordingWriter({ failing: true });
  const batcher = batcherOver(writer, manualTimers());
  batcher.push("a\n");
  batcher.push("b\n");
  await batcher.flush();
  assert.equal(batcher.dropped, 2);
});

Deno.test("createLineBatcher() flush() on an empty batcher resolves at once", async () => {
  const writer = recordingWriter();
  const timers = manualTimers();
  await batcherOver(writer, timers).flush();
  assert.deepEqual(writer.chunks, []);
  assert.equal(timers.pending, 0);
});

Deno.test("createLineBatcher() writes all that waited during a slow write in one go, unless maxWriteBytes caps it", async () => {
  for (
    const { maxWriteBytes, writes } of [{ maxWriteBytes: undefined, writes: 2 }, {
      maxWriteBytes: 8,
      writes: 11,
    }]
  ) {
    const writer = recordingWriter({ stalled: true });
    const batcher = batcherOver(writer, manualTimers(), { maxWriteBytes });
    batcher.pushNow("0\n");
    for (let i = 0; i < 20; i++) batcher.push("ab\n");
    writer.resume();
    await batcher.flush();
    assert.equal(writer.chunks.length, writes, `maxWriteBytes ${maxWriteBytes}`);
    assert.equal(writer.chunks.join(""), "0\n" + "ab\n".repeat(20));
  }
});
