/**
 * @module
 * The process-wide guard that keeps one connection's stray error from ending
 * berth: installed once by the transport before it listens.
 */

let guardInstalled = false;
const CONNECTION_ERROR_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP_REQUEST_TIMEOUT",
]);

/**
 * SECURITY: a last line of defence so an error event of one connection that
 * no listener caught (a node stream quirk) cannot end the process: errors
 * that carry a connection error code, or Deno's BadResource/Interrupted, are
 * swallowed; anything else still ends the process as a bug should.
 */
export function installConnectionErrorGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  const isConnectionError = (error: unknown) => {
    if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
      return true;
    }
    if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
      return true;
    }
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === "string" && CONNECTION_ERROR_CODES.has(code);
  };
  globalThis.addEventListener("error", (event) => {
    if (isConnectionError(event.error)) event.preventDefault();
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (isConnectionError(event.reason)) event.preventDefault();
  });
}
