/**
 * @module
 * How a response really ended, reported by the transport once its last byte
 * was handed to the connection or the connection went away. The access log
 * registers here so it records the bytes actually sent and whether the
 * response completed, instead of the Content-Length it announced.
 */

/** The outcome of sending one response. */
export interface Delivery {
  /** Status line that was started (503 when the transport replaced the answer). */
  status: number;
  /** Body bytes written to the connection (for an aborted response: before the abort). */
  bytes: number;
  /** False when the connection closed or timed out before the response was complete. */
  completed: boolean;
}

/** Called once per response with its {@linkcode Delivery}. */
export type DeliveryListener = (delivery: Delivery) => void;

// Keyed by the request the transport built: outer layers (metrics) may wrap
// the response in a new one, but pass the request through unchanged.
const tracked = new WeakSet<Request>();
const listeners = new WeakMap<Request, DeliveryListener>();

/** Marks `request` as served by a transport that reports deliveries (berth's own server). */
export function trackDelivery(request: Request): void {
  tracked.add(request);
}

/**
 * Asks to be told how the answer to `request` ends. False when nobody will
 * report it — berth embedded in another server via `createHandler`, or a
 * request rebuilt by a layer — so the caller should record what it knows now.
 */
export function onDelivered(request: Request, listener: DeliveryListener): boolean {
  if (!tracked.has(request)) return false;
  listeners.set(request, listener);
  return true;
}

/** Reports how the answer to `request` ended (called once by the transport). */
export function reportDelivery(request: Request, delivery: Delivery): void {
  const listener = listeners.get(request);
  if (listener === undefined) return;
  listeners.delete(request);
  listener(delivery);
}
