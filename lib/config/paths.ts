/**
 * @module
 * Settings paths: reading and writing a dotted setting name
 * (`limits.maxUrlLength`) in nested objects, naming a path in messages, and
 * the keys no path may hold.
 */

/** Keys that could reach an object prototype; never allowed as a setting or header name. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Reads a dotted setting name from nested objects; `undefined` when any part is missing. */
export function getPath(values: unknown, name: string): unknown {
  let node = values;
  for (const part of name.split(".")) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Sets a dotted setting name, creating the nested objects on the way. */
export function setPath(values: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split(".");
  let node = values;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== "object") node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** `["index", 1]` → `index[1]`; `["limits", "maxUrlLength"]` → `limits.maxUrlLength`. */
export function formatPath(keys: readonly (string | number)[]): string {
  let text = "";
  for (const key of keys) {
    text += typeof key === "number" ? `[${key}]` : text === "" ? key : `.${key}`;
  }
  return text;
}
