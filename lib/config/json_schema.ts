/**
 * @module
 * The settings schema read as JSON Schema: `@valibot/to-json-schema` converts
 * the valibot declarations once (keeping descriptions, defaults, bounds,
 * picklists and berth's `v.metadata` keys), and this module walks the result
 * to say in words what a part of the settings accepts ("an integer between 0
 * and 65535"). Error messages, the settings docs and `berth.schema.json` all
 * read this one conversion, so none of them depends on valibot's internals.
 */

import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { SETTINGS_OBJECT_SCHEMA } from "./schema.ts";
import type { SettingMeta } from "./value_schemas.ts";

/** One JSON Schema node, as far as berth's settings use the vocabulary, plus berth's metadata. */
export interface SchemaNode extends SettingMeta {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly propertyNames?: SchemaNode;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly default?: unknown;
  readonly description?: string;
}

/** Conversions already made: the schemas are constants, so each converts once. */
const CONVERTED = new WeakMap<v.GenericSchema, SchemaNode>();

/**
 * The JSON Schema of a valibot schema. Checks JSON Schema cannot express
 * (`v.check`, cross-field rules) are left out: validation stays with valibot.
 */
export function toSchemaNode(schema: v.GenericSchema): SchemaNode {
  let node = CONVERTED.get(schema);
  if (node === undefined) {
    node = toJsonSchema(schema, { errorMode: "ignore" }) as SchemaNode;
    CONVERTED.set(schema, node);
  }
  return node;
}

/** The JSON Schema of every setting (the per-field object, without cross-field rules). */
export function settingsSchemaNode(): SchemaNode {
  return toSchemaNode(SETTINGS_OBJECT_SCHEMA);
}

/**
 * Returns the node one step below `node` along an object key, array index or
 * record entry (its key's node with `{ recordKey: true }`, else its value's).
 */
export function childNode(
  node: SchemaNode,
  key: string | number,
  options: { recordKey?: boolean } = {},
): SchemaNode | undefined {
  if (node.properties !== undefined) {
    return typeof key === "string" && Object.hasOwn(node.properties, key)
      ? node.properties[key]
      : undefined;
  }
  if (node.type === "object") {
    if (options.recordKey) return node.propertyNames;
    return typeof node.additionalProperties === "object" ? node.additionalProperties : undefined;
  }
  if (node.type === "array") return node.items;
  return undefined;
}

/** The keys an object node allows, in declaration order (none for a record). */
export function listAllowedKeys(node: SchemaNode | undefined): string[] {
  return Object.keys(node?.properties ?? {});
}

/**
 * Describes what a schema accepts, as the end of "<value> is not …":
 * `an integer between 0 and 65535`, `"pretty", "json" or "auto"`. A setting's
 * own `allowed` metadata wins.
 */
export function describeAllowed(schema: v.GenericSchema | SchemaNode): string {
  return describeNode(isValibotSchema(schema) ? toSchemaNode(schema) : schema);
}

/**
 * Finds an array where the schema wants an object. valibot's object and
 * record schemas accept arrays (they are objects), which would turn
 * `"headers": []` into `{}` without a word.
 */
export function findArrayForObject(
  value: unknown,
  schema: v.GenericSchema | SchemaNode,
): { path: string[]; value: unknown; allowed: string } | undefined {
  const node = isValibotSchema(schema) ? toSchemaNode(schema) : schema;
  return findArrayBelow(value, node, []);
}

function findArrayBelow(
  value: unknown,
  node: SchemaNode,
  path: readonly string[],
): { path: string[]; value: unknown; allowed: string } | undefined {
  if (value === null || typeof value !== "object" || node.type !== "object") return undefined;
  if (Array.isArray(value)) return { path: [...path], value, allowed: describeNode(node) };
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!Object.hasOwn(value, key)) continue;
    const found = findArrayBelow((value as Record<string, unknown>)[key], child, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function describeNode(node: SchemaNode): string {
  if (node.allowed !== undefined) return node.allowed;
  if (node.enum !== undefined) return joinOr(node.enum.map((option) => JSON.stringify(option)));
  if (node.anyOf !== undefined) {
    // A nullable value is described by what it holds when it is not null.
    const values = node.anyOf.filter((option) => option.type !== "null");
    return values.length === 1 ? describeNode(values[0]) : "a valid union";
  }
  if (node.const !== undefined) return "a valid literal";
  switch (node.type) {
    case "string":
      return node.minLength === 1 ? "a non-empty string" : "a string";
    case "boolean":
      return "true or false";
    case "integer":
    case "number": {
      const noun = node.type === "integer" ? "an integer" : "a number";
      const { minimum: min, maximum: max } = node;
      if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case "object":
      return node.properties === undefined
        ? "an object"
        : `an object with the keys ${joinOr(Object.keys(node.properties), "and")}`;
    case "array":
      return "a list";
    default:
      return `a valid ${node.type}`;
  }
}

function isValibotSchema(schema: v.GenericSchema | SchemaNode): schema is v.GenericSchema {
  return "kind" in schema && schema.kind === "schema";
}

function joinOr(items: readonly string[], word = "or"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${word} ${items.at(-1)}`;
}
