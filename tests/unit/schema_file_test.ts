/**
 * @module
 * Tests that the committed berth.schema.json is exactly what `deno task
 * schema` writes from the settings schema now, and that it describes every
 * setting the way editors need it.
 */

import assert from "node:assert/strict";
import {
  buildSettingsJsonSchema,
  renderSettingsJsonSchema,
  SCHEMA_FILE_PATH,
} from "../../scripts/generate_schema.ts";
import { describeSettings } from "../../lib/config/settings_docs.ts";
import { getPath } from "../../lib/config/paths.ts";

/** The node of a dotted setting name, through `properties` at each level. */
function nodeOf(schema: unknown, name: string): Record<string, unknown> | undefined {
  const path = name.split(".").flatMap((part) => ["properties", part]).join(".");
  return getPath(schema, path) as Record<string, unknown> | undefined;
}

Deno.test("berth.schema.json is byte-for-byte what `deno task schema` writes", async () => {
  assert.equal(
    await Deno.readTextFile(SCHEMA_FILE_PATH),
    renderSettingsJsonSchema(),
    "berth.schema.json is stale: run `deno task schema`",
  );
});

Deno.test("buildSettingsJsonSchema() describes every setting with its description and default", () => {
  const schema = buildSettingsJsonSchema();
  assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
  assert.equal(schema.additionalProperties, false);
  for (const doc of describeSettings()) {
    const node = nodeOf(schema, doc.name);
    assert.ok(node !== undefined, doc.name);
    assert.equal(node.description, doc.description, doc.name);
    assert.deepEqual(node.default, doc.default, doc.name);
  }
  assert.deepEqual(nodeOf(schema, "port"), {
    type: "integer",
    minimum: 0,
    maximum: 65535,
    default: 8000,
    description: "Port to listen on; 0 picks a free port",
  });
  assert.deepEqual(nodeOf(schema, "logFormat")?.enum, ["pretty", "json", "auto"]);
});

Deno.test("buildSettingsJsonSchema() allows a top-level $schema and leaves out berth's metadata", () => {
  const schema = buildSettingsJsonSchema();
  assert.equal(nodeOf(schema, "$schema")?.type, "string");
  const text = JSON.stringify(schema);
  for (const key of ["allowed", "secret", "url"]) {
    assert.ok(!text.includes(`"${key}":`), `no "${key}" keyword`);
  }
  // "path" stays where it is a property name (access rules), never as a keyword.
  assert.equal(nodeOf(schema, "root")?.path, undefined);
  const rule = nodeOf(schema, "access")?.items as { properties: Record<string, unknown> };
  assert.ok(Object.hasOwn(rule.properties, "path"));
});
