/**
 * @module One bounded key → value table for every in-memory cache and
 * per-client record: at most `maxEntries` entries, optionally each for a
 * limited time, the oldest dropped first. Map insertion order is the
 * recency order, so eviction and pruning are O(1) per entry.
 */

/** Why an entry left the table on its own: pushed out by size, or out of time. */
export type EvictionReason = "evicted" | "expired";

/** Options for {@linkcode createBoundedMap}. */
export interface BoundedMapOptions<K, V> {
  /** Most entries kept; setting one more drops the oldest. */
  maxEntries: number;
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
   */
  set(key: K, value: V, expiresAtMs?: number): void;
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
}

interface Slot<V> {
  value: V;
  expiresMs: number;
}

/** Creates a {@linkcode BoundedMap}; see {@linkcode BoundedMapOptions} for the policy knobs. */
export function createBoundedMap<K, V>(options: BoundedMapOptions<K, V>): BoundedMap<K, V> {
  const { maxEntries, onEvict } = options;
  const defaultTtlMs = options.ttlMs ?? Infinity;
  const touchOnGet = options.touchOnGet ?? true;
  const now = options.now ?? Date.now;
  const slots = new Map<K, Slot<V>>();
  // Tables without a time limit never read the clock.
  let timed = defaultTtlMs !== Infinity;

  function drop(key: K, slot: Slot<V>, reason: EvictionReason): void {
    slots.delete(key);
    onEvict?.(key, slot.value, reason);
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
      if (expiresAtMs !== undefined) timed = true;
      const time = timed ? now() : 0;
      slots.delete(key);
      for (const [old, slot] of slots) {
        if (slot.expiresMs > time && slots.size < maxEntries) break;
        drop(old, slot, slot.expiresMs > time ? "evicted" : "expired");
      }
      slots.set(key, { value, expiresMs: expiresAtMs ?? time + defaultTtlMs });
    },
    delete(key) {
      return slots.delete(key);
    },
    clear() {
      slots.clear();
    },
    *entries() {
      for (const [key, slot] of slots) yield [key, slot.value];
    },
    get size() {
      return slots.size;
    },
  };
}
