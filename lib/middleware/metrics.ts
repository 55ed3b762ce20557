/**
 * @module
 * Feeds the metrics registry: the outermost layer (so it sees the final
 * status of every request, error pages included), counting requests by
 * method and status class, the time to the response head, body bytes as they
 * stream, and requests in flight until their body is finished or the client
 * goes away. Only installed with `--metrics`; wrapping bodies costs a little.
 */

import type { Middleware } from "../compose.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";

/** Options for {@linkcode recordMetrics}. */
export interface RecordMetricsOptions {
  /** Where the numbers go. */
  registry: MetricsRegistry;
}

/** Builds the middleware that records request metrics. */
export function recordMetrics(options: RecordMetricsOptions): Middleware {
  const { registry } = options;
  return async function countRequest(request, context, next) {
    registry.addInFlight(1);
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      registry.addInFlight(-1);
      throw error;
    }
    registry.recordResponse(
      request.method,
      response.status,
      (performance.now() - context.startTime) / 1000,
    );
    if (response.body === null) {
      registry.addInFlight(-1);
      return response;
    }
    return new Response(countBody(response.body, registry), response);
  };
}

/** Passes `body` through, counting bytes and ending the in-flight count exactly once. */
function countBody(
  body: ReadableStream<Uint8Array>,
  registry: MetricsRegistry,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let open = true;
  const finish = () => {
    if (!open) return;
    open = false;
    registry.addInFlight(-1);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          finish();
          controller.close();
          return;
        }
        registry.addBytes(value.byteLength);
        controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
