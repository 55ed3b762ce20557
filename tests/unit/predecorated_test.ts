import assert from "node:assert/strict";
import { createPredecoration, NO_PREDECORATION } from "../../lib/http/predecorated.ts";

Deno.test("createPredecoration() overrides, then keeps what the response set (decorator order)", () => {
  const decoration = createPredecoration({
    override: [["Access-Control-Allow-Origin", "*"]],
    keep: [["X-Frame-Options", "SAMEORIGIN"], ["x-content-type-options", "nosniff"]],
  });
  const headers = decoration.decorate({
    "access-control-allow-origin": "https://a.test",
    "x-frame-options": "DENY",
    "content-type": "text/plain",
  });
  assert.deepEqual(headers, {
    "access-control-allow-origin": "*",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "content-type": "text/plain",
  });
});

Deno.test("createPredecoration() marks only its own responses", async () => {
  const one = createPredecoration({ override: [], keep: [["x-a", "1"]] });
  const other = createPredecoration({ override: [], keep: [["x-a", "1"]] });
  const response = one.mark(new Response("x"));
  assert.equal(one.isMarked(response), true);
  assert.equal(other.isMarked(response), false);
  assert.equal(one.isMarked(new Response("y")), false);
  await response.body?.cancel();
});

Deno.test("NO_PREDECORATION adds nothing and marks nothing", async () => {
  assert.equal(NO_PREDECORATION.empty, true);
  assert.deepEqual(NO_PREDECORATION.decorate({ etag: '"1"' }), { etag: '"1"' });
  const response = NO_PREDECORATION.mark(new Response("x"));
  assert.equal(NO_PREDECORATION.isMarked(response), false);
  await response.body?.cancel();
});
