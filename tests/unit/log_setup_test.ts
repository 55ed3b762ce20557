import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import {
  accessLogOutput,
  droppedLogLines,
  LOG_CATEGORY,
  setupLogging,
  shutdownLogging,
} from "../../lib/log/setup.ts";

/** The lines one error record becomes in `format`. */
async function logOnce(format: "pretty" | "json"): Promise<string> {
  const chunks: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) });
  await setupLogging({ format, stream, audit: { stream: new WritableStream() } });
  getLogger([...LOG_CATEGORY]).error("Request {requestId} failed: {error}", {
    requestId: "abc",
    error: new TypeError("bad thing"),
  });
  await shutdownLogging();
  return chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
}

Deno.test("setupLogging() renders an Error as its name and message in both formats", async () => {
  const pretty = await logOnce("pretty");
  assert.match(pretty, /^\d\d:\d\d:\d\d\.\d{3} ERROR Request abc failed: TypeError: bad thing\n$/);
  const json = JSON.parse(await logOnce("json"));
  assert.equal(json.message, "Request abc failed: TypeError: bad thing");
  assert.equal(json.error, "TypeError: bad thing");
  assert.equal(json.requestId, "abc");
  assert.equal(json.level, "ERROR");
});

/** A stream collecting what is written to it, as text. */
function collectingStream(): { stream: WritableStream<Uint8Array>; text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    stream: new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) }),
    text: () => chunks.map((chunk) => new TextDecoder().decode(chunk)).join(""),
  };
}

const RECORD = {
  method: "GET",
  path: "/a.txt",
  status: 200,
  bytes: 3,
  durationMs: 1.5,
  client: "127.0.0.1",
  requestId: "r-1",
  user: null,
  aborted: false,
};

Deno.test("setupLogging() gives the access log an output whose lines shutdownLogging() writes out in order", async () => {
  const out = collectingStream();
  await setupLogging({
    format: "json",
    stream: out.stream,
    audit: { stream: new WritableStream() },
  });
  const output = accessLogOutput();
  assert.ok(output, "an access output");
  getLogger([...LOG_CATEGORY]).info("before");
  for (let i = 0; i < 3; i++) output.write({ ...RECORD, requestId: `r-${i}` });
  getLogger([...LOG_CATEGORY]).info("after");
  await shutdownLogging();
  const lines = out.text().trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((line) => line.logger === "berth.access" ? line.requestId : line.message),
    ["before", "r-0", "r-1", "r-2", "after"],
  );
  assert.equal(lines[1].logger, "berth.access");
  assert.equal(accessLogOutput(), undefined, "after shutdown the access log goes to logtape");
});

Deno.test("setupLogging() turns access lines off with quiet and keeps application lines", async () => {
  const out = collectingStream();
  await setupLogging({
    format: "pretty",
    quiet: true,
    stream: out.stream,
    audit: { stream: new WritableStream() },
  });
  assert.equal(accessLogOutput(), null);
  getLogger([...LOG_CATEGORY]).info("still here");
  await shutdownLogging();
  assert.match(out.text(), /^\d\d:\d\d:\d\d\.\d{3} INFO {2}still here\n$/);
  assert.equal(droppedLogLines(), 0);
});
