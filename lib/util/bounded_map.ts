/**
 * @module One bounded key → value table for every in-memory cache and
 * per-client record: at most `maxEntries` entries, optionally at most
 * `maxBytes` bytes of them, optionally each for a limited time, the oldest
 * dropped first. Map insertion order is the recency order, so eviction and
 * pruning are O(1) per entry.
 */

/** Why an entry left the table on its own: pushed out by size, or out of time. */
export type EvictionReason = "evicted" | "expired";

/** Options for {@linkcode createBoundedMap}. */
export interface BoundedMapOptions<K, V> {
  /** Most entries kept; setting one more drops the oldest. */
  maxEntries: number;
  /**
   * Most bytes kept, as `sizeOf` counts them; setting more drops the oldest
   * entries until the new one fits. Absent means no byte bound.
   */
  maxBytes?: number;
  /** Bytes an entry counts against `maxBytes` (default 0), read once at `set()`. */
  sizeOf?: (value: V) => number;
  /** How long an entry lives after its last `set()`; absent means no limit. */
  ttlMs?: number;
  /**
   * Whether `get()` makes an entry the most recent (least recently used
   * eviction, the default) or leaves the order alone (oldest `set()` evicted
   * first), for tables whose readers must not keep an entry alive.
   */
  touchOnGet?: boolean;
  /** The clock, in milliseconds; injected by tests. */
  now?: () => number;
  /**
   * Called for each entry the table drops by itself (not for `delete()`,
   * `clear()` or a replaced value), so owners can release what it holds.
   */
  onEvict?: (key: K, value: V, reason: EvictionReason) => void;
}

/** A Map-like table with a size bound and optional time limit. */
export interface BoundedMap<K, V> {
  /** The live value for `key`, or undefined; an expired entry is dropped here. */
  get(key: K): V | undefined;
  /** Whether `key` has a live value; does not change the order. */
  has(key: K): boolean;
  /**
   * Stores `value` as the most recent entry, live until `expiresAtMs` on the
   * table's clock (default: now + `ttlMs`); drops expired entries at the old
   * end, then the oldest entries past `maxEntries`. An absolute time lets a
   * caller bound an entry by something it computed earlier (a token's expiry).
   * False, with nothing stored (an older value under `key` is dropped too),
   * when the value alone exceeds `maxBytes`.
   */
  set(key: K, value: V, expiresAtMs?: number): boolean;
  /**
   * Adds `bytes` to the size of `key`'s entry (its value grew) and makes it
   * the most recent, dropping older entries to make room; false, with the
   * entry left as it was, when it is absent or would no longer fit.
   */
  grow(key: K, bytes: number): boolean;
  /** Removes `key`; true when it was there. */
  delete(key: K): boolean;
  /** Removes everything, without calling `onEvict`. */
  clear(): void;
  /**
   * Every entry, oldest first, including expired ones not yet dropped; for
   * owners that sweep or release everything. Deleting while iterating is safe.
   */
  entries(): IterableIterator<[K, V]>;
  /** Entries held, including expired ones not yet dropped. */
  readonly size: number;
  /** Bytes held, as `sizeOf` and `grow()` counted them. */
  readonly bytes: number;
}

interface Slot<V> {
  value: V;
  expiresMs: number;
  bytes: number;
}

/** Creates a {@linkcode BoundedMap}; see {@linkcode BoundedMapOptions} for the policy knobs. */
export function createBoundedMap<K, V>(options: BoundedMapOptions<K, V>): BoundedMap<K, V> {
  const { maxEntries, onEvict, sizeOf } = options;
  const maxBytes = options.maxBytes ?? Infinity;
  const defaultTtlMs = options.ttlMs ?? Infinity;
  const touchOnGet = options.touchOnGet ?? true;
  const now = options.now ?? Date.now;
  const slots = new Map<K, Slot<V>>();
  // Tables without a time limit never read the clock.
  let timed = defaultTtlMs !== Infinity;
  let totalBytes = 0;

  function remove(key: K, slot: Slot<V>): void {
    slots.delete(key);
    totalBytes -= slot.bytes;
  }

  function drop(key: K, slot: Slot<V>, reason: EvictionReason): void {
    remove(key, slot);
    onEvict?.(key, slot.value, reason);
  }

  /** Drops expired entries at the old end, then the oldest until `incoming` more fit. */
  function makeRoom(time: number, incoming: number): void {
    for (const [old, slot] of slots) {
      if (
        slot.expiresMs > time && slots.size < maxEntries && totalBytes + incoming <= maxBytes
      ) {
        break;
      }
      drop(old, slot, slot.expiresMs > time ? "evicted" : "expired");
    }
  }

  function live(key: K, slot: Slot<V>): boolean {
    if (slot.expiresMs === Infinity || now() < slot.expiresMs) return true;
    drop(key, slot, "expired");
    return false;
  }

  return {
    get(key) {
      const slot = slots.get(key);
      if (slot === undefined || !live(key, slot)) return undefined;
      if (touchOnGet) {
        slots.delete(key);
        slots.set(key, slot);
      }
      return slot.value;
    },
    has(key) {
      const slot = slots.get(key);
      return slot !== undefined && live(key, slot);
    },
    set(key, value, expiresAtMs) {
      const bytes = sizeOf?.(value) ?? 0;
      const previous = slots.get(key);
      if (bytes > maxBytes) {
        // A refused set must not leave the old value answering for the key.
        if (previous !== undefined) drop(key, previous, "evicted");
        return false;
      }
      if (previous !== undefined) remove(key, previous);
      if (expiresAtMs !== undefined) timed = true;
      const time = timed ? now() : 0;
      makeRoom(time, bytes);
      slots.set(key, { value, expiresMs: expiresAtMs ?? time + defaultTtlMs, bytes });
      totalBytes += bytes;
      return true;
    },
    grow(key, bytes) {
      const slot = slots.get(key);
      if (slot === undefined || slot.bytes + bytes > maxBytes) return false;
      remove(key, slot);
      makeRoom(timed ? now() : 0, slot.bytes + bytes);
      slot.bytes += bytes;
      slots.set(key, slot);
      totalBytes += slot.bytes;
      return true;
    },
    delete(key) {
      const slot = slots.get(key);
      if (slot === undefined) return false;
      remove(key, slot);
      return true;
    },
    clear() {
      slots.clear();
      totalBytes = 0;
    },
    *entries() {
      for (const [key, slot] of slots) yield [key, slot.value];
    },
    get size() {
      return slots.size;
    },
    get bytes() {
      return totalBytes;
    },
  };
}
