/**
 * A real browser (headless Chromium) against berth started as a subprocess
 * with `--spa` and a `_headers` file: client-side routes, a reloaded deep
 * link, CSS/JS/image loading, a custom header, and a clean console.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { processTest, startBerth } from "../integration/harness.ts";
import { launchBrowser } from "./browser.ts";
import type { Page } from "playwright-core";

/** Waits until the app has rendered `text` into its view. */
async function waitForView(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    `document.getElementById("view")?.textContent === ${JSON.stringify(text)}`,
  );
}

/** A 1×1 PNG (one opaque pixel). */
const PIXEL_PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  ),
  (char) => char.charCodeAt(0),
);

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SPA fixture</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<nav>
  <a href="/" data-link id="home">Home</a>
  <a href="/about" data-link id="about">About</a>
  <a href="/users/42" data-link id="user">User 42</a>
</nav>
<img id="logo" src="/assets/logo.png" alt="logo" width="1" height="1">
<main id="view">loading</main>
</body>
</html>
`;

const APP_JS = `const routes = {
  "/": () => "Home page",
  "/about": () => "About page",
};
function render() {
  const path = location.pathname;
  const user = path.match(/^\\/users\\/(\\d+)$/);
  const view = document.getElementById("view");
  view.textContent = user ? "User " + user[1] : (routes[path] ?? (() => "Not found"))();
  document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1);
}
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link) return;
  event.preventDefault();
  history.pushState(null, "", link.getAttribute("href"));
  render();
});
addEventListener("popstate", render);
render();
`;

const APP_CSS = "body { background-color: rgb(10, 20, 30); }\n";

const HEADERS_FILE = `/*
  X-Berth-Test: spa-fixture
/assets/*
  Cache-Control: public, max-age=600
`;

processTest(
  "a browser navigates, reloads deep links and loads every asset of an SPA through berth --spa",
  async () => {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-spa-" }));
    await Deno.mkdir(join(root, "assets"));
    await Deno.writeTextFile(join(root, "index.html"), INDEX_HTML);
    await Deno.writeTextFile(join(root, "assets", "app.js"), APP_JS);
    await Deno.writeTextFile(join(root, "assets", "app.css"), APP_CSS);
    await Deno.writeFile(join(root, "assets", "logo.png"), PIXEL_PNG);
    await Deno.writeTextFile(join(root, "_headers"), HEADERS_FILE);
    const berth = await startBerth({ root, args: ["--spa"] });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      const responses = new Map<string, { status: number; headers: Record<string, string> }>();
      page.on("response", (response) => {
        responses.set(new URL(response.url()).pathname, {
          status: response.status(),
          headers: response.headers(),
        });
      });

      const first = await page.goto(berth.url);
      assert.equal(first?.status(), 200);
      await waitForView(page, "Home page");

      // Client-side navigation: no new document is requested.
      await page.click("#about");
      await waitForView(page, "About page");
      assert.equal(new URL(page.url()).pathname, "/about");
      await page.click("#user");
      await waitForView(page, "User 42");
      assert.equal(await page.evaluate("document.body.dataset.renders"), "3");
      await page.goBack();
      await waitForView(page, "About page");

      // A reload of a deep link is answered by the fallback page.
      const reloaded = await page.goto(new URL("users/42", berth.url).href);
      assert.equal(reloaded?.status(), 200);
      assert.equal(reloaded?.headers()["x-berth-test"], "spa-fixture");
      await waitForView(page, "User 42");

      // CSS applied, image decoded, JS ran; assets carry the _headers values.
      const style = await page.evaluate("getComputedStyle(document.body).backgroundColor");
      assert.equal(style, "rgb(10, 20, 30)");
      const imageWidth = await page.evaluate("document.getElementById('logo').naturalWidth");
      assert.equal(imageWidth, 1);
      for (const asset of ["/assets/app.css", "/assets/app.js", "/assets/logo.png"]) {
        const seen = responses.get(asset);
        assert.equal(seen?.status, 200, asset);
        assert.equal(seen?.headers["x-berth-test"], "spa-fixture", asset);
        assert.equal(seen?.headers["cache-control"], "public, max-age=600", asset);
      }
      assert.equal(responses.get("/users/42")?.headers["content-type"], "text/html; charset=utf-8");

      // A missing asset is still a 404, even for a browser.
      const missing = await fetch(new URL("assets/app.3f9a1c2b.js", berth.url), {
        headers: { accept: "text/html,*/*;q=0.8" },
      });
      await missing.body?.cancel();
      assert.equal(missing.status, 404);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(root, { recursive: true });
    }
  },
);
