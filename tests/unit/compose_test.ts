import assert from "node:assert/strict";
import { compose, type Middleware, type RequestContext } from "../../lib/compose.ts";
import { urlParts } from "../fixtures/context.ts";

function context(path: string): RequestContext {
  return {
    ...urlParts(new URL(path, "http://x")),
    requestId: "t",
    clientAddress: "127.0.0.1",
    startTime: 0,
    secure: false,
    user: null,
  };
}

Deno.test("compose() runs middlewares outermost first and unwinds in reverse", async () => {
  const order: string[] = [];
  const layer = (name: string): Middleware => async (_request, _context, next) => {
    order.push(`${name}>`);
    const response = await next();
    order.push(`<${name}`);
    return response;
  };
  const handler = compose([layer("a"), layer("b")], () => {
    order.push("handler");
    return Promise.resolve(new Response("ok"));
  });
  const response = await handler(new Request("http://x/"), context("/"));
  assert.equal(await response.text(), "ok");
  assert.deepEqual(order, ["a>", "b>", "handler", "<b", "<a"]);
});

Deno.test("compose() lets a middleware answer early without calling next", async () => {
  let reached = false;
  const guard: Middleware = () => Promise.resolve(new Response("no", { status: 403 }));
  const handler = compose([guard], () => {
    reached = true;
    return Promise.resolve(new Response("ok"));
  });
  const response = await handler(new Request("http://x/"), context("/"));
  assert.equal(response.status, 403);
  await response.body?.cancel();
  assert.equal(reached, false);
});

Deno.test("compose() passes a replaced request and context to the layers below", async () => {
  const rewrite: Middleware = (request, ctx, next) =>
    next(new Request(new URL("/index.html", request.url)), {
      ...ctx,
      url: new URL("/index.html", ctx.url),
    });
  const seen: string[] = [];
  const observe: Middleware = (request, ctx, next) => {
    seen.push(new URL(request.url).pathname, ctx.url.pathname);
    return next();
  };
  const handler = compose(
    [rewrite, observe],
    (_request, ctx) => Promise.resolve(new Response(ctx.url.pathname)),
  );
  const response = await handler(new Request("http://x/app/route"), context("/app/route"));
  assert.equal(await response.text(), "/index.html");
  assert.deepEqual(seen, ["/index.html", "/index.html"]);
});
