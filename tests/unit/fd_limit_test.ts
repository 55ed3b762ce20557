import assert from "node:assert/strict";
import { ASSUMED_FD_LIMIT, deriveConnectionBudget } from "../../lib/transport/fd_limit.ts";

const DERIVE = { maxConnections: 0, maxConnectionsPerClient: 0, maxOpenResponses: 0 };

Deno.test("deriveConnectionBudget() keeps connections plus open files under the descriptor limit", () => {
  const cases = [
    { fdLimit: 256, isolates: 1 },
    { fdLimit: 1024, isolates: 1 },
    { fdLimit: 1024, isolates: 4 },
    { fdLimit: 20_000, isolates: 1 },
    { fdLimit: 1_048_576, isolates: 2 },
  ];
  for (const { fdLimit, isolates } of cases) {
    const budget = deriveConnectionBudget(DERIVE, { fdLimit, isolates });
    const name = `${fdLimit} fds / ${isolates}`;
    assert.equal(budget.source, "rlimit", name);
    assert.ok(
      // Each isolate also keeps up to 64 files open for range reads.
      (budget.maxConnections + budget.maxOpenResponses + 64) * isolates < fdLimit,
      `${name}: ${JSON.stringify(budget)}`,
    );
    assert.ok(budget.maxConnectionsPerClient <= budget.maxConnections, name);
    assert.ok(budget.maxConnectionsPerClient >= Math.min(8, budget.maxConnections), name);
    assert.ok(budget.maxConnections <= 16_384, name);
  }
});

Deno.test("deriveConnectionBudget() gives 108 connections, 27 per client and 36 responses at 256", () => {
  const budget = deriveConnectionBudget(DERIVE, { fdLimit: 256 });
  assert.deepEqual(budget, {
    fdLimit: 256,
    source: "rlimit",
    maxConnections: 108,
    maxConnectionsPerClient: 27,
    maxOpenResponses: 36,
  });
});

Deno.test("deriveConnectionBudget() still allows a few connections under a tiny limit", () => {
  const budget = deriveConnectionBudget(DERIVE, { fdLimit: 64 });
  assert.ok(budget.maxConnections >= 4 && budget.maxOpenResponses >= 4);
});

Deno.test("deriveConnectionBudget() assumes 1024 descriptors when the limit is unknown", () => {
  const budget = deriveConnectionBudget(DERIVE, { fdLimit: null });
  assert.equal(budget.fdLimit, ASSUMED_FD_LIMIT);
  assert.equal(budget.source, "assumed");
});

Deno.test("deriveConnectionBudget() lets explicit settings win, per client capped at the total", () => {
  const budget = deriveConnectionBudget(
    { maxConnections: 10, maxConnectionsPerClient: 50, maxOpenResponses: 3 },
    { fdLimit: 256 },
  );
  assert.equal(budget.maxConnections, 10);
  assert.equal(budget.maxConnectionsPerClient, 10);
  assert.equal(budget.maxOpenResponses, 3);
});
