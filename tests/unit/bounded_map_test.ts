/**
 * The bounded map: size bound, least recently used order, time limits on an
 * injected clock, and which drops reach `onEvict`.
 */
import assert from "node:assert/strict";
import { type BoundedMapOptions, createBoundedMap } from "../../lib/util/bounded_map.ts";

type Step =
  | { op: "set"; key: string; value?: number; expiresInMs?: number; stored?: boolean }
  | { op: "grow"; key: string; bytes: number; want: boolean }
  | { op: "get"; key: string; want: number | undefined }
  | { op: "has"; key: string; want: boolean }
  | { op: "delete"; key: string; want: boolean }
  | { op: "clear" }
  | { op: "tick"; ms: number };

interface Case {
  name: string;
  options: Omit<BoundedMapOptions<string, number>, "now" | "onEvict">;
  steps: Step[];
  /** Keys left after the steps, each probed with has(). */
  left: string[];
  evicted: string[];
  /** Bytes held after the steps, when the case bounds bytes. */
  bytes?: number;
}

/** Byte-bounded cases count each value as that many bytes. */
const VALUE_BYTES = { sizeOf: (value: number) => value };

const CASES: Case[] = [
  {
    name: "`createBoundedMap()` drops the oldest entry when one more is set past maxEntries",
    options: { maxEntries: 2 },
    steps: [{ op: "set", key: "a" }, { op: "set", key: "b" }, { op: "set", key: "c" }],
    left: ["b", "c"],
    evicted: ["a:evicted"],
  },
  {
    name: "`createBoundedMap()` keeps a read entry when touchOnGet is the default",
    options: { maxEntries: 2 },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "set", key: "b" },
      { op: "get", key: "a", want: 1 },
      { op: "set", key: "c" },
    ],
    left: ["a", "c"],
    evicted: ["b:evicted"],
  },
  {
    name: "`createBoundedMap()` evicts the oldest set entry when touchOnGet is false",
    options: { maxEntries: 2, touchOnGet: false },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "set", key: "b" },
      { op: "get", key: "a", want: 1 },
      { op: "set", key: "c" },
    ],
    left: ["b", "c"],
    evicted: ["a:evicted"],
  },
  {
    name: "`createBoundedMap()` moves a re-set key to the new end without evicting",
    options: { maxEntries: 2 },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "set", key: "b" },
      { op: "set", key: "a", value: 2 },
      { op: "get", key: "a", want: 2 },
      { op: "set", key: "c" },
    ],
    left: ["a", "c"],
    evicted: ["b:evicted"],
  },
  {
    name: "`createBoundedMap()` returns undefined and reports expiry when ttlMs has passed",
    options: { maxEntries: 10, ttlMs: 100 },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "tick", ms: 99 },
      { op: "get", key: "a", want: 1 },
      { op: "tick", ms: 1 },
      { op: "get", key: "a", want: undefined },
    ],
    left: [],
    evicted: ["a:expired"],
  },
  {
    name: "`createBoundedMap()` does not extend the time limit when an entry is read",
    options: { maxEntries: 10, ttlMs: 100 },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "tick", ms: 60 },
      { op: "get", key: "a", want: 1 },
      { op: "tick", ms: 60 },
      { op: "has", key: "a", want: false },
    ],
    left: [],
    evicted: ["a:expired"],
  },
  {
    name: "`createBoundedMap()` restarts the time limit when an entry is set again",
    options: { maxEntries: 10, ttlMs: 100 },
    steps: [
      { op: "set", key: "a", value: 1 },
      { op: "tick", ms: 60 },
      { op: "set", key: "a", value: 2 },
      { op: "tick", ms: 60 },
      { op: "get", key: "a", want: 2 },
    ],
    left: ["a"],
    evicted: [],
  },
  {
    name: "`createBoundedMap()` honours an expiry time given to set()",
    options: { maxEntries: 10 },
    steps: [
      { op: "set", key: "short", value: 1, expiresInMs: 10 },
      { op: "set", key: "forever", value: 2 },
      { op: "tick", ms: 10 },
      { op: "get", key: "short", want: undefined },
      { op: "get", key: "forever", want: 2 },
    ],
    left: ["forever"],
    evicted: ["short:expired"],
  },
  {
    name: "`createBoundedMap()` prunes expired entries at the old end when a new one is set",
    options: { maxEntries: 10, ttlMs: 100 },
    steps: [
      { op: "set", key: "a" },
      { op: "set", key: "b" },
      { op: "tick", ms: 50 },
      { op: "set", key: "c" },
      { op: "tick", ms: 50 },
      { op: "set", key: "d" },
    ],
    left: ["c", "d"],
    evicted: ["a:expired", "b:expired"],
  },
  {
    name: "`createBoundedMap()` does not call onEvict when an entry is deleted or cleared",
    options: { maxEntries: 10 },
    steps: [
      { op: "set", key: "a" },
      { op: "set", key: "b" },
      { op: "set", key: "c" },
      { op: "delete", key: "a", want: true },
      { op: "delete", key: "a", want: false },
      { op: "clear" },
      { op: "set", key: "d" },
    ],
    left: ["d"],
    evicted: [],
  },
  {
    name: "`createBoundedMap()` drops the oldest entries until a new one fits within maxBytes",
    options: { maxEntries: 10, maxBytes: 10, ...VALUE_BYTES },
    steps: [
      { op: "set", key: "a", value: 4 },
      { op: "set", key: "b", value: 4 },
      { op: "get", key: "a", want: 4 },
      { op: "set", key: "c", value: 5 },
    ],
    left: ["a", "c"],
    evicted: ["b:evicted"],
    bytes: 9,
  },
  {
    name: "`createBoundedMap()` refuses a value bigger than maxBytes and keeps the rest",
    options: { maxEntries: 10, maxBytes: 10, ...VALUE_BYTES },
    steps: [
      { op: "set", key: "a", value: 4 },
      { op: "set", key: "huge", value: 11, stored: false },
    ],
    left: ["a"],
    evicted: [],
    bytes: 4,
  },
  {
    name: "`createBoundedMap()` counts a replaced value's bytes once",
    options: { maxEntries: 10, maxBytes: 10, ...VALUE_BYTES },
    steps: [
      { op: "set", key: "a", value: 6 },
      { op: "set", key: "a", value: 8 },
    ],
    left: ["a"],
    evicted: [],
    bytes: 8,
  },
  {
    name: "`createBoundedMap()` grow() makes room by dropping older entries, or refuses",
    options: { maxEntries: 10, maxBytes: 10, ...VALUE_BYTES },
    steps: [
      { op: "set", key: "a", value: 3 },
      { op: "set", key: "b", value: 3 },
      { op: "grow", key: "b", bytes: 5, want: true },
      { op: "grow", key: "b", bytes: 3, want: false },
      { op: "grow", key: "missing", bytes: 1, want: false },
    ],
    left: ["b"],
    evicted: ["a:evicted"],
    bytes: 8,
  },
  {
    name: "`createBoundedMap()` delete() and clear() give the bytes back",
    options: { maxEntries: 10, maxBytes: 10, ...VALUE_BYTES },
    steps: [
      { op: "set", key: "a", value: 3 },
      { op: "set", key: "b", value: 3 },
      { op: "delete", key: "a", want: true },
      { op: "set", key: "c", value: 7 },
    ],
    left: ["b", "c"],
    evicted: [],
    bytes: 10,
  },
];

for (const testCase of CASES) {
  Deno.test(testCase.name, () => {
    let clock = 1_000;
    const evicted: string[] = [];
    const map = createBoundedMap<string, number>({
      ...testCase.options,
      now: () => clock,
      onEvict: (key, _value, reason) => evicted.push(`${key}:${reason}`),
    });
    for (const [index, step] of testCase.steps.entries()) {
      const at = `step ${index} (${step.op})`;
      switch (step.op) {
        case "set":
          assert.equal(
            map.set(
              step.key,
              step.value ?? 0,
              step.expiresInMs === undefined ? undefined : clock + step.expiresInMs,
            ),
            step.stored ?? true,
            at,
          );
          break;
        case "grow":
          assert.equal(map.grow(step.key, step.bytes), step.want, at);
          break;
        case "get":
          assert.equal(map.get(step.key), step.want, at);
          break;
        case "has":
          assert.equal(map.has(step.key), step.want, at);
          break;
        case "delete":
          assert.equal(map.delete(step.key), step.want, at);
          break;
        case "clear":
          map.clear();
          break;
        case "tick":
          clock += step.ms;
          break;
      }
    }
    assert.deepEqual(evicted, testCase.evicted);
    assert.equal(map.size, testCase.left.length);
    for (const key of testCase.left) assert.ok(map.has(key), `${key} is kept`);
    if (testCase.bytes !== undefined) assert.equal(map.bytes, testCase.bytes);
  });
}

Deno.test("`createBoundedMap()` never reads the clock when no entry has a time limit", () => {
  let reads = 0;
  const map = createBoundedMap<string, number>({
    maxEntries: 2,
    now: () => {
      reads++;
      return 0;
    },
  });
  for (let i = 0; i < 5; i++) map.set(`k${i}`, i);
  assert.equal(map.get("k4"), 4);
  assert.equal(map.has("k3"), true);
  assert.equal(map.size, 2);
  assert.equal(reads, 0);
});

Deno.test("`createBoundedMap()` entries() lists oldest first and allows deleting while iterating", () => {
  const map = createBoundedMap<string, number>({ maxEntries: 3 });
  for (const key of ["a", "b", "c"]) map.set(key, key.charCodeAt(0));
  map.get("a");
  const seen: [string, number][] = [];
  for (const [key, value] of map.entries()) {
    seen.push([key, value]);
    map.delete(key);
  }
  assert.deepEqual(seen, [["b", 98], ["c", 99], ["a", 97]]);
  assert.equal(map.size, 0);
});

Deno.test("createBoundedMap() drops the old value when a new one is too big to keep", () => {
  const evicted: string[] = [];
  const map = createBoundedMap<string, string>({
    maxEntries: 10,
    maxBytes: 10,
    sizeOf: (value) => value.length,
    onEvict: (key) => evicted.push(key),
  });
  assert.equal(map.set("a", "small"), true);
  assert.equal(map.set("a", "x".repeat(11)), false);
  assert.equal(map.get("a"), undefined, "no stale value answers for the key");
  assert.equal(map.bytes, 0);
  assert.deepEqual(evicted, ["a"]);
});
