/**
 * @module
 * Unit tests for lib/config/messages.ts: one valibot issue, phrased for each
 * place a setting can come from.
 */

import assert from "node:assert/strict";
import * as v from "valibot";
import { describeIssue, type IssueOrigin } from "../../lib/config/messages.ts";
import { SETTINGS_OBJECT_SCHEMA, SETTINGS_SCHEMA } from "../../lib/config/schema.ts";

function firstIssue(schema: v.GenericSchema, input: unknown): v.BaseIssue<unknown> {
  const result = v.safeParse(schema, input);
  assert.ok(!result.success, JSON.stringify(input));
  return result.issues[0];
}

Deno.test("describeIssue() names the field, the value and what is allowed for every origin", () => {
  const portIssue = firstIssue(SETTINGS_OBJECT_SCHEMA, { port: 70000 });
  const table: [IssueOrigin, string][] = [
    [
      { source: "file", display: "berth.json" },
      'Invalid config "port" in berth.json: 70000 is not an integer between 0 and 65535',
    ],
    [
      { source: "env", raw: new Map([["port", "70000"]]) },
      'Invalid environment variable "BERTH_PORT": "70000" is not an integer between 0 and 65535',
    ],
    [
      { source: "cli" },
      'Invalid command-line value for "port": 70000 is not an integer between 0 and 65535',
    ],
    [{ source: "library" }, 'Invalid setting "port": 70000 is not an integer between 0 and 65535'],
  ];
  for (const [origin, message] of table) {
    assert.equal(describeIssue(portIssue, origin), message, origin.source);
  }
});

Deno.test("describeIssue() suggests the closest key for an unknown one", () => {
  const nested = firstIssue(SETTINGS_SCHEMA, { cache: { enabld: true } });
  assert.equal(
    describeIssue(nested, { source: "library" }),
    'Unknown setting "cache.enabld": did you mean "cache.enabled"?',
  );
  assert.equal(
    describeIssue(nested, { source: "file", display: "b.json" }),
    'Unknown config key "cache.enabld" in b.json: did you mean "cache.enabled"?',
  );
});

Deno.test("describeIssue() says where a field blamed by a cross-field rule was set", () => {
  const issue = firstIssue(SETTINGS_SCHEMA, { key: "k.pem" });
  const message = describeIssue(issue, {
    source: "merged",
    sources: { key: "env" },
    fileDisplay: undefined,
  });
  assert.match(message, /^Invalid settings: .*\("key" is set by "BERTH_KEY"\)$/);
  assert.equal(
    describeIssue(issue, { source: "library" }),
    'Invalid settings: "key" is set but "cert" is not: TLS needs both the certificate and its private key',
  );
  // The rule reads only cert and key, so it still speaks when another field is bad.
  const both = v.safeParse(SETTINGS_SCHEMA, { key: "k.pem", port: "x" });
  assert.deepEqual(both.issues?.map((item) => v.getDotPath(item)), ["port", "key"]);
});

Deno.test("describeIssue() keeps the users file schema's own wording and path", () => {
  const schema = v.object({ users: v.array(v.object({ name: v.string("must be a string") })) });
  const issue = firstIssue(schema, { users: [{ name: 1 }] });
  assert.equal(
    describeIssue(issue, { source: "users-file", path: "users.json" }),
    'Invalid users file "users.json": "users[0].name" must be a string',
  );
});
