import assert from "node:assert/strict";
import { compose, type Handler, type Middleware, type RequestContext } from "../../lib/compose.ts";
import { HttpError } from "../../lib/errors.ts";
import { createBaseHeaders } from "../../lib/http/base_headers.ts";
import { rerouteRequest } from "../../lib/http/local_redirect.ts";
import { accessLog } from "../../lib/middleware/access_log.ts";
import { cors } from "../../lib/middleware/cors.ts";
import { errorBoundary } from "../../lib/middleware/error_boundary.ts";
import { createHeaderRules, siteHeaders } from "../../lib/middleware/site_headers.ts";
import { parseHeaders } from "../../lib/rules/headers_file.ts";
import { createSiteRulesHolder } from "../../lib/rules/site_rules.ts";
import { urlParts } from "../fixtures/context.ts";

/**
 * The header layers with a stub `next`: the header rules (`_headers` blocks
 * and operator headers), the error boundary that applies them to its pages,
 * the preflight-only CORS layer, the access log without a catch of its own,
 * and re-routed contexts.
 */

function context(path: string, outcome: Partial<RequestContext["outcome"]> = {}): RequestContext {
  const parts = urlParts(new URL(path, "http://x.test"));
  return {
    ...parts,
    outcome: { ...parts.outcome, ...outcome },
    requestId: "t",
    clientAddress: "127.0.0.1",
    startTime: 0,
    secure: false,
    user: null,
  };
}

/** Header rules from `_headers` text plus operator headers. */
function rulesOf(text: string, operatorHeaders: Record<string, string> = {}) {
  const parsed = parseHeaders(text, { source: "_headers" });
  assert.ok(parsed.ok);
  return createHeaderRules({
    rules: createSiteRulesHolder({ headers: parsed.rules, redirects: [] }),
    operatorHeaders,
  });
}

const BERTH_ANSWER = {
  "x-frame-options": "SAMEORIGIN",
  "cache-control": "no-cache",
  "x-kept": "berth",
};

Deno.test("createHeaderRules() applies blocks, then the operator headers over them", () => {
  const cases: {
    name: string;
    text: string;
    operator?: Record<string, string>;
    path?: string;
    outcome?: Partial<RequestContext["outcome"]>;
    expected: Record<string, string | null>;
  }[] = [
    {
      name: "a block sets and removes",
      text: "/*\n  X-Team: docs\n  ! X-Frame-Options\n",
      expected: { "x-team": "docs", "x-frame-options": null, "x-kept": "berth" },
    },
    {
      name: "matching blocks join their values",
      text: "/*\n  X-Team: a\n/a.txt\n  X-Team: b\n",
      expected: { "x-team": "a, b" },
    },
    {
      name: "a block for another path leaves the answer alone",
      text: "/other/*\n  X-Team: a\n",
      expected: { "x-team": null, "x-frame-options": "SAMEORIGIN" },
    },
    {
      name: "a block matches the file that answered",
      text: "/real/*\n  X-Team: file\n",
      path: "/alias",
      outcome: { resource: "/real/a.txt" },
      expected: { "x-team": "file" },
    },
    {
      name: "operator headers replace berth's",
      text: "",
      operator: { "X-Frame-Options": "DENY" },
      expected: { "x-frame-options": "DENY" },
    },
    {
      name: "operator headers win over a block's value and removal",
      text: "/*\n  X-Team: rule\n  ! X-Frame-Options\n",
      operator: { "X-Team": "operator", "X-Frame-Options": "DENY" },
      expected: { "x-team": "operator", "x-frame-options": "DENY" },
    },
    {
      name: "a protected answer stays private",
      text: "/*\n  Cache-Control: public, max-age=60\n",
      operator: { "CDN-Cache-Control": "max-age=60" },
      outcome: { protected: true },
      expected: { "cache-control": "private, no-cache, max-age=60", "cdn-cache-control": null },
    },
    {
      name: "a shareable protected answer takes the rule",
      text: "/*\n  Cache-Control: public, max-age=60\n",
      outcome: { protected: true, shareable: true },
      expected: { "cache-control": "public, max-age=60" },
    },
  ];
  for (const item of cases) {
    const rules = rulesOf(item.text, item.operator);
    assert.equal(rules.active(), true, item.name);
    const response = rules.apply(
      new Response("x", { headers: BERTH_ANSWER }),
      context(item.path ?? "/a.txt", item.outcome),
    );
    for (const [name, value] of Object.entries(item.expected)) {
      assert.equal(response.headers.get(name), value, `${item.name}: ${name}`);
    }
  }
  assert.equal(rulesOf("").active(), false);
});

Deno.test("siteHeaders() passes answers through untouched when no rule is in force", async () => {
  const answer = new Response("x", { headers: BERTH_ANSWER });
  const app = compose([siteHeaders(rulesOf(""))], () => Promise.resolve(answer));
  assert.equal(await app(new Request("http://x.test/a"), context("/a")), answer);
  await answer.body?.cancel();
});

Deno.test("errorBoundary() builds error pages from the base headers with the header rules applied", async () => {
  const base = createBaseHeaders({ securityHeaders: true, tls: false, cors: true });
  const headerRules = rulesOf("/*\n  ! X-Frame-Options\n", { "X-Team": "docs" });
  const cases: { name: string; thrown: unknown; status: number; extra: Record<string, string> }[] =
    [
      {
        name: "HttpError keeps its headers",
        thrown: new HttpError(405, "No", { headers: { allow: "GET" } }),
        status: 405,
        extra: { allow: "GET" },
      },
      { name: "a bug is a 500", thrown: new Error("secret /etc/path"), status: 500, extra: {} },
    ];
  for (const item of cases) {
    const app = compose(
      [errorBoundary({ baseHeaders: base, headerRules })],
      () => Promise.reject(item.thrown),
    );
    const response = await app(new Request("http://x.test/a"), context("/a"));
    const body = await response.text();
    assert.equal(response.status, item.status, item.name);
    assert.ok(!body.includes("/etc/path"), item.name);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", item.name);
    assert.equal(response.headers.get("access-control-allow-origin"), "*", item.name);
    assert.equal(response.headers.get("x-frame-options"), null, item.name);
    assert.equal(response.headers.get("x-team"), "docs", item.name);
    for (const [name, value] of Object.entries(item.extra)) {
      assert.equal(response.headers.get(name), value, item.name);
    }
  }
});

Deno.test("cors() answers preflights from the base headers and passes everything else on", async () => {
  const base = createBaseHeaders({ securityHeaders: true, tls: false, cors: true });
  const inner = new Response("inner");
  const app = compose([cors({ baseHeaders: base })], () => Promise.resolve(inner));
  const preflight = await app(
    new Request("http://x.test/a", {
      method: "OPTIONS",
      headers: {
        origin: "https://a.test",
        "access-control-request-method": "GET",
        "access-control-request-headers": "range",
      },
    }),
    context("/a"),
  );
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "range");
  assert.equal(preflight.headers.get("access-control-expose-headers"), null);
  assert.equal(preflight.headers.get("x-content-type-options"), "nosniff");
  const cases: RequestInit[] = [
    {},
    { method: "OPTIONS" },
    { method: "OPTIONS", headers: { origin: "https://a.test" } },
  ];
  for (const init of cases) {
    assert.equal(await app(new Request("http://x.test/a", init), context("/a")), inner);
  }
  await inner.body?.cancel();
});

Deno.test("accessLog() lets a rejection through when no boundary is below it", async () => {
  const failing: Handler = () => Promise.reject(new Error("boom"));
  const app = compose([accessLog()], failing);
  await assert.rejects(() => app(new Request("http://x.test/a"), context("/a")), /boom/);
});

Deno.test("rerouteRequest() gives a new path and shares the outcome without reading the request id", () => {
  let idReads = 0;
  const original: RequestContext = {
    ...context("/from?q=1"),
    get requestId() {
      idReads++;
      return "lazy-id";
    },
  };
  const [request, routed] = rerouteRequest(
    new Request("http://x.test/from?q=1", { headers: { range: "bytes=0-1", accept: "a/b" } }),
    original,
    new URL("http://x.test/to/%61?q=1"),
    { dropHeaders: ["range"] },
  );
  assert.equal(idReads, 0);
  assert.equal(request.url, "http://x.test/to/%61?q=1");
  assert.equal(request.headers.get("range"), null);
  assert.equal(request.headers.get("accept"), "a/b");
  assert.ok(routed.path.ok && routed.path.text === "/to/a");
  assert.equal(routed.outcome, original.outcome);
  assert.equal(routed.clientAddress, original.clientAddress);
  assert.equal(routed.requestId, "lazy-id");
  assert.equal(idReads, 1);
});

Deno.test("errorBoundary() under accessLog() answers every error so none reaches the layers above", async () => {
  const seen: string[] = [];
  const probe: Middleware = async (_request, _context, next) => {
    try {
      return await next();
    } catch (error) {
      seen.push(String(error));
      throw error;
    }
  };
  const app = compose(
    [probe, accessLog(), errorBoundary()],
    () => Promise.reject(new HttpError(404, "Nothing")),
  );
  const response = await app(new Request("http://x.test/a"), context("/a"));
  await response.body?.cancel();
  assert.equal(response.status, 404);
  assert.deepEqual(seen, []);
});
