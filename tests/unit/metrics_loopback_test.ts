/**
 * The loopback-only metrics check (lib/middleware/internal.ts) on the
 * addresses a dual-stack socket reports, through the real request context.
 */

import assert from "node:assert/strict";
import { HttpError } from "../../lib/errors.ts";
import { createMetricsRegistry } from "../../lib/metrics/registry.ts";
import { internalEndpoints } from "../../lib/middleware/internal.ts";
import { createRequestContextFactory } from "../../lib/request_context.ts";

const metrics = internalEndpoints({
  prefix: "/_berth/",
  metrics: createMetricsRegistry(),
  metricsAccess: "loopback",
});

/** The status `/_berth/metrics` answers a peer with (a refusal is an HttpError). */
async function metricsStatus(peer: string, trustProxy = false, xff?: string): Promise<number> {
  const createContext = createRequestContextFactory({ secure: false, proxy: { trustProxy } });
  const request = new Request("http://127.0.0.1:8000/_berth/metrics", {
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  });
  const context = createContext(request, {
    remoteAddr: { transport: "tcp", hostname: peer, port: 40000 },
    completed: Promise.resolve(),
  });
  try {
    const response = await metrics(request, context, () => Promise.resolve(new Response(null)));
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

Deno.test("internalEndpoints() serves metrics to loopback peers in every form a socket reports", async () => {
  const table: [string, number][] = [
    ["127.0.0.1", 200],
    ["::1", 200],
    ["::ffff:127.0.0.1", 200], // IPv4 loopback on a dual-stack socket
    ["::ffff:127.9.9.9", 200],
    ["::ffff:10.0.0.1", 403],
    ["::ffff:203.0.113.9", 403],
    ["10.0.0.1", 403],
    ["2001:db8::1", 403],
    ["", 403],
  ];
  for (const [peer, status] of table) assert.equal(await metricsStatus(peer), status, peer);
});

Deno.test("internalEndpoints() refuses metrics to a remote client behind a mapped loopback proxy", async () => {
  assert.equal(await metricsStatus("::ffff:127.0.0.1", true, "203.0.113.5"), 403);
  assert.equal(await metricsStatus("::ffff:127.0.0.1", true, "127.0.0.1"), 200);
  // Not a trusted proxy: its header is ignored and it is judged as itself.
  assert.equal(await metricsStatus("::ffff:10.0.0.1", true, "127.0.0.1"), 403);
});
