/**
 * @module
 * The floor for startup measurements: the smallest useful Deno file server
 * (Deno.serve + Deno.open, no safety checks, no headers beyond Content-Type).
 * Not for serving anything real; `scripts/startup_time.ts` compares berth's
 * startup with it. Usage: `deno run --allow-net=127.0.0.1 --allow-read=ROOT
 * scripts/startup_floor_server.ts ROOT PORT`.
 */

const [root = ".", port = "8000"] = Deno.args;
Deno.serve({ hostname: "127.0.0.1", port: Number(port), onListen() {} }, async (request) => {
  const path = decodeURIComponent(new URL(request.url).pathname);
  const file = path.endsWith("/") ? `${root}${path}index.html` : `${root}${path}`;
  try {
    const handle = await Deno.open(file);
    return new Response(handle.readable, { headers: { "content-type": "text/html" } });
  } catch {
    return new Response("not found", { status: 404 });
  }
});
