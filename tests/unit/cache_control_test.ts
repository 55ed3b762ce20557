import assert from "node:assert/strict";
import { cacheControlFor, isHashedName } from "../../lib/serve/cache_control.ts";

// Real output names of each bundler (default patterns), and names people write by hand.
const HASHED: [string, string][] = [
  ["vite", "index-BdS3kX1a.js"],
  ["vite, no digit drawn", "hero-CLDdwZDr.png"],
  ["vite, base64url with _", "vendor-DzgbqW_I.js"],
  ["vite, base64url with -", "index-D-9kQx3m.css"],
  ["vite, name with dashes", "my-hero-CLDdwZDr.png"],
  ["rollup", "chunk-3f9a1c2b.js"],
  ["webpack contenthash", "main.3f9a1c2b7e8d4a6f5b1c.js"],
  ["webpack 8 hex", "runtime.d41d8cd9.js"],
  ["webpack chunk id + hash", "723.1a2b3c4d.js"],
  ["esbuild", "app-5PZ6HTQL.js"],
  ["esbuild", "chunk-QZHLL6XA.js"],
  ["parcel", "index.6f7e8d9c.js"],
  ["parcel css", "styles.1d2e3f4a.css"],
  ["next", "framework-2c79e2a64abdb08b.js"],
  ["next", "main-app-0e5b0d3d4c6f7a8b.js"],
  ["next css", "app.7a8b9c0d1e2f3a4b.css"],
  ["angular", "main.f3b2c1d0e9a8b7c6.js"],
];

const ORDINARY: string[] = [
  "my-component.js",
  "my-component-library.js",
  "jquery-3.7.1.min.js",
  "report-2024-01-01.pdf",
  "react-dom.production.min.js",
  "index-framework.js",
  "bootstrap.bundle.min.js",
  "roboto-regular.woff2",
  "font-awesome.woff2",
  "photo-20240101.jpg",
  "index-myWidget.js",
  "button-DataTable.js",
  "README-CHANGELOG.md",
  "index.html",
  "app.js",
  "favicon.ico",
  "hello-WorldWideWebs.js",
];

for (const [bundler, name] of HASHED) {
  Deno.test(`isHashedName() recognises ${bundler}'s ${name}`, () => {
    assert.equal(isHashedName(name), true);
  });
}

for (const name of ORDINARY) {
  Deno.test(`isHashedName() leaves ${name} revalidated`, () => {
    assert.equal(isHashedName(name), false);
  });
}

Deno.test("cacheControlFor() picks the immutable policy only for hashed names", () => {
  const policy = { default: "no-cache", immutable: "public, max-age=31536000, immutable" };
  assert.equal(cacheControlFor("hero-CLDdwZDr.png", policy), policy.immutable);
  assert.equal(cacheControlFor("my-component.js", policy), policy.default);
});
