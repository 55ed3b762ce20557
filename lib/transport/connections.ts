/**
 * @module
 * The connection table: every accepted TCP connection, its client address,
 * how many requests it has in flight, and when it must close if it stays
 * without one (head phase: `headerTimeoutMs`; kept alive between requests:
 * `idleTimeoutMs`). It admits or refuses new connections against the total
 * and per-client limits, and one coarse timer closes the connections whose
 * deadline passed, whatever the protocol (HTTP/1.1, TLS handshakes, HTTP/2
 * sessions) — the node servers' own timers do not cover all of them.
 */

/** Where the table keeps a socket's entry on the socket object itself. */
const ENTRY = Symbol("berth.connection");

/** The part of a `node:net` socket the table uses. */
export interface TrackedSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  destroy(): void;
  once(event: "close", listener: () => void): unknown;
}

/** Options for {@linkcode createConnectionTable}. */
export interface ConnectionTableOptions {
  /** Most open connections. */
  maxConnections: number;
  /** Most open connections from one client address. */
  maxConnectionsPerClient: number;
  /** How long a new connection may go without a complete request head, in ms. */
  headerTimeoutMs: number;
  /** How long a connection may stay open between requests, in ms. */
  idleTimeoutMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** What {@linkcode ConnectionTable.admit} decided. */
export type Admission = "admitted" | "evicted-idle" | "refused";

/** One open connection. */
interface Entry {
  readonly socket: TrackedSocket;
  readonly client: string;
  active: number;
  /** When the connection closes if it still has no request in flight. */
  deadline: number;
}

/** The table; see the module doc. */
export interface ConnectionTable {
  /**
   * Registers a just-accepted socket. At a limit, the longest-open connection of
   * the same scope (that client, or everyone) without a request in flight is
   * closed to make room — a client holding idle connections cannot lock
   * others out; when every connection is busy the new one is closed.
   */
  admit(socket: TrackedSocket): Admission;
  /** A request started on the connection `remoteAddress:remotePort`; false if unknown. */
  requestStarted(socket: { remoteAddress?: string; remotePort?: number }): boolean;
  /** The request finished (or was aborted). */
  requestEnded(socket: { remoteAddress?: string; remotePort?: number }): void;
  /** Closes every connection without a request in flight, now and as requests end. */
  drain(): void;
  /** Closes every connection. */
  destroyAll(): void;
  /** Resolves once no connection is open. */
  whenEmpty(): Promise<void>;
  /** Open connections. */
  readonly size: number;
  /** Connections refused and idle ones closed to make room, since start. */
  readonly shed: number;
  /** Stops the timer (connections stay open). */
  close(): void;
}

/** Builds a {@linkcode ConnectionTable}. */
export function createConnectionTable(options: ConnectionTableOptions): ConnectionTable {
  const now = options.now ?? (() => performance.now());
  // Keyed by "address|port": unique per TCP connection, and readable from the
  // request's socket whatever wraps it (TLS socket, HTTP/2 session proxy).
  const entries = new Map<string, Entry>();
  const perClient = new Map<string, number>();
  let draining = false;
  let shed = 0;
  let emptyWaiters: (() => void)[] = [];
  const tickMs = Math.max(
    50,
    Math.min(500, Math.floor(Math.min(options.headerTimeoutMs, options.idleTimeoutMs) / 4)),
  );
  const timer = setInterval(sweep, tickMs);
  Deno.unrefTimer(timer);

  function keyOf(socket: { remoteAddress?: string; remotePort?: number }): string {
    return `${socket.remoteAddress ?? ""}|${socket.remotePort ?? 0}`;
  }

  /** Plain HTTP hands requests the accepted socket itself: a property lookup, no key string. */
  function entryOf(socket: { remoteAddress?: string; remotePort?: number }): Entry | undefined {
    return (socket as { [ENTRY]?: Entry })[ENTRY] ?? entries.get(keyOf(socket));
  }

  function sweep(): void {
    const time = now();
    for (const entry of entries.values()) {
      if (entry.active === 0 && entry.deadline <= time) entry.socket.destroy();
    }
  }

  function evictIdle(client: string | null): boolean {
    for (const entry of entries.values()) {
      if (entry.active === 0 && (client === null || entry.client === client)) {
        forget(entry);
        entry.socket.destroy();
        return true;
      }
    }
    return false;
  }

  function forget(entry: Entry): void {
    const key = keyOf(entry.socket);
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    const count = (perClient.get(entry.client) ?? 1) - 1;
    if (count === 0) perClient.delete(entry.client);
    else perClient.set(entry.client, count);
    if (entries.size === 0) {
      const waiters = emptyWaiters;
      emptyWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  return {
    admit(socket) {
      const client = socket.remoteAddress ?? "";
      let admission: Admission = "admitted";
      if (draining) {
        socket.destroy();
        return "refused";
      }
      if ((perClient.get(client) ?? 0) >= options.maxConnectionsPerClient) {
        if (!evictIdle(client)) {
          shed++;
          socket.destroy();
          return "refused";
        }
        shed++;
        admission = "evicted-idle";
      }
      if (entries.size >= options.maxConnections) {
        if (!evictIdle(null)) {
          shed++;
          socket.destroy();
          return "refused";
        }
        shed++;
        admission = "evicted-idle";
      }
      const entry: Entry = {
        socket,
        client,
        active: 0,
        deadline: now() + options.headerTimeoutMs,
      };
      entries.set(keyOf(socket), entry);
      (socket as { [ENTRY]?: Entry })[ENTRY] = entry;
      perClient.set(client, (perClient.get(client) ?? 0) + 1);
      socket.once("close", () => forget(entry));
      return admission;
    },
    requestStarted(socket) {
      const entry = entryOf(socket);
      if (entry === undefined) return false;
      entry.active++;
      return true;
    },
    requestEnded(socket) {
      const entry = entryOf(socket);
      if (entry === undefined || entry.active === 0) return;
      entry.active--;
      if (entry.active > 0) return;
      entry.deadline = now() + options.idleTimeoutMs;
      // Let the last bytes leave before closing a draining connection.
      if (draining) setTimeout(() => entry.active === 0 && entry.socket.destroy(), 0);
    },
    drain() {
      draining = true;
      for (const entry of [...entries.values()]) {
        if (entry.active === 0) entry.socket.destroy();
      }
    },
    destroyAll() {
      for (const entry of [...entries.values()]) entry.socket.destroy();
    },
    whenEmpty() {
      if (entries.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => emptyWaiters.push(resolve));
    },
    get size() {
      return entries.size;
    },
    get shed() {
      return shed;
    },
    close() {
      clearInterval(timer);
    },
  };
}
