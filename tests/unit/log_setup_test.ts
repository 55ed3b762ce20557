import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { LOG_CATEGORY, setupLogging, shutdownLogging } from "../../lib/log/setup.ts";

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
