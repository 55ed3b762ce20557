/**
 * The written-out settings interfaces (`settings_types.ts`) against what
 * valibot infers from the schema. The check is at compile time: when a field
 * is added, removed or retyped on one side only, `deno check` (and so `deno
 * task test`) fails on the `assertType` lines below, naming the type.
 */

import assert from "node:assert/strict";
import type { InferredSettings, InferredSettingsInput } from "../../lib/config/schema.ts";
import type { Settings, SettingsInput } from "../../lib/config/settings_types.ts";

/** `T` with intersections and interfaces flattened to plain object types, at every depth. */
type Flatten<T> = T extends object ? { [K in keyof T]: Flatten<T[K]> } : T;

/**
 * `true` when `A` and `B` are the same type, `false` otherwise. Mutual
 * assignability is not enough: it lets an optional field that only one side
 * has pass (`{ a: 1; b?: 2 }` and `{ a: 1 }` are assignable both ways). Two
 * generic functions are only assignable when their conditional types are
 * identical, which is TypeScript's own type identity; flattening first makes
 * `{ a: 1 } & { b: 2 }` (as valibot infers) the same as `{ a: 1; b: 2 }`.
 */
type Equal<A, B> = (<T>() => T extends Flatten<A> ? 1 : 2) extends
  (<T>() => T extends Flatten<B> ? 1 : 2) ? true : false;

/** Compiles only when `T` is exactly `true`. */
function assertType<T extends true>(value: T): T {
  return value;
}

Deno.test("`Settings` equals the type valibot infers from `SETTINGS_SCHEMA`", () => {
  assert.equal(assertType<Equal<Settings, InferredSettings>>(true), true);
});

Deno.test("`SettingsInput` equals the type valibot infers for one source's values", () => {
  assert.equal(assertType<Equal<SettingsInput, InferredSettingsInput>>(true), true);
});

Deno.test("`Equal` tells a missing, an extra and a retyped field from a match", () => {
  type Base = { port: number; cert?: string };
  assert.equal(assertType<Equal<Base, { port: number; cert?: string }>>(true), true);
  const missing: Equal<Base, { port: number }> = false;
  const extra: Equal<Base, { port: number; cert?: string; key?: string }> = false;
  const retyped: Equal<Base, { port: string; cert?: string }> = false;
  const required: Equal<Base, { port: number; cert: string }> = false;
  assert.deepEqual([missing, extra, retyped, required], [false, false, false, false]);
});
