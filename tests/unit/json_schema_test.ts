/**
 * @module
 * Unit tests for lib/config/json_schema.ts and lib/config/auth_schema.ts's
 * loopback URL rule: what a part of the settings accepts, in words, read from
 * the JSON Schema that @valibot/to-json-schema makes of the valibot schema.
 */

import assert from "node:assert/strict";
import * as v from "valibot";
import {
  childNode,
  describeAllowed,
  findArrayForObject,
  listAllowedKeys,
  type SchemaNode,
  settingsSchemaNode,
} from "../../lib/config/json_schema.ts";
import { findSettingSchema, isLoopbackHttpUrl } from "../../lib/config/schema.ts";

/** The node at `path` below the settings, record keys marked with a leading "@". */
function nodeAt(...path: (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = settingsSchemaNode();
  for (const key of path) {
    const recordKey = typeof key === "string" && key.startsWith("@");
    node = node && childNode(node, recordKey ? key.slice(1) : key, { recordKey });
  }
  return node;
}

Deno.test("describeAllowed() phrases what each kind of setting accepts", () => {
  const table: [path: (string | number)[], allowed: string][] = [
    [["port"], "an integer between 0 and 65535"],
    [["rateLimit", "requestsPerSecond"], "a number between 0 and 1000000"],
    [["logFormat"], '"pretty", "json" or "auto"'],
    [["listing"], "true or false"],
    [["root"], "a directory path"],
    [["auth", "jwt", "issuer"], "a non-empty string"],
    [["redirectRules", 0], "a string"],
    [["cache"], "an object with the keys enabled, maxFileBytes, maxTotalBytes and watch"],
    [["headers", "@X"], "a header name (letters, digits and !#$%&'*+-.^_`|~)"],
    [
      ["headerRules", "/a", "X"],
      "a header value of printable Latin-1 characters (no CR, LF or other control characters)",
    ],
    [["access", 0, "authenticated"], "a valid literal"],
    [["access", 0, "roles"], "a list"],
    [["workers"], 'a number of workers between 1 and 256, or "auto"'],
  ];
  for (const [path, allowed] of table) {
    const node = nodeAt(...path);
    assert.ok(node !== undefined, path.join("."));
    assert.equal(describeAllowed(node), allowed, path.join("."));
  }
});

Deno.test("describeAllowed() reads a valibot schema through its JSON Schema", () => {
  assert.equal(
    describeAllowed(v.pipe(v.number(), v.integer(), v.minValue(3))),
    "an integer of at least 3",
  );
  assert.equal(describeAllowed(v.pipe(v.number(), v.maxValue(3))), "a number of at most 3");
  assert.equal(describeAllowed(v.record(v.string(), v.string())), "an object");
  const schema = findSettingSchema("limits.maxUrlLength");
  assert.ok(schema !== undefined);
  assert.equal(describeAllowed(schema), "an integer between 64 and 1048576");
});

Deno.test("childNode() returns undefined for keys a group does not declare", () => {
  assert.equal(nodeAt("bogus"), undefined);
  assert.equal(nodeAt("limits", "bogus"), undefined);
  assert.equal(nodeAt("port", "x"), undefined);
  assert.equal(nodeAt("toString"), undefined, "inherited names are not keys");
  assert.deepEqual(listAllowedKeys(nodeAt("rateLimit")), [
    "requestsPerSecond",
    "burst",
    "maxClients",
  ]);
  assert.deepEqual(listAllowedKeys(nodeAt("headers")), [], "a record has no fixed keys");
});

Deno.test("findArrayForObject() finds an array given where a group or record belongs", () => {
  const table: [value: unknown, found: { path: string[]; allowed: string } | undefined][] = [
    [{ headers: [] }, { path: ["headers"], allowed: "an object of header names to string values" }],
    [{ limits: [1] }, { path: ["limits"], allowed: describeAllowed(nodeAt("limits")!) }],
    [{ auth: { jwt: [] } }, {
      path: ["auth", "jwt"],
      allowed: describeAllowed(nodeAt("auth", "jwt")!),
    }],
    [{ index: [] }, undefined],
    [{ headers: {} }, undefined],
    [[], { path: [], allowed: describeAllowed(settingsSchemaNode()) }],
  ];
  for (const [value, expected] of table) {
    const found = findArrayForObject(value, settingsSchemaNode());
    assert.deepEqual(
      found && { path: found.path, allowed: found.allowed },
      expected,
      JSON.stringify(value),
    );
  }
});

Deno.test("isLoopbackHttpUrl() accepts plain http to localhost, 127.0.0.0/8 and ::1 only", () => {
  const table: [url: string, loopback: boolean][] = [
    ["http://localhost/jwks.json", true],
    ["http://LOCALHOST:8080/jwks", true],
    ["http://localhost", true],
    ["http://127.0.0.1/jwks", true],
    ["http://127.255.3.4:9/jwks", true],
    ["http://[::1]:9000/jwks", true],
    ["http://[0:0:0:0:0:0:0:1]/jwks", true],
    ["http://[::ffff:127.0.0.1]/jwks", true],
    ["https://127.0.0.1/jwks", false],
    ["http://127.999.0.1/jwks", false],
    ["http://128.0.0.1/jwks", false],
    ["http://127.0.0.1@evil.example/jwks", false],
    ["http://localhost.evil.example/jwks", false],
    ["http://[::2]/jwks", false],
    ["http://idp.example/jwks", false],
    ["ftp://127.0.0.1/jwks", false],
    ["jwks.json", false],
  ];
  for (const [url, loopback] of table) assert.equal(isLoopbackHttpUrl(url), loopback, url);
});
