/**
 * @module
 * Tests for extension → Content-Type mapping and the compressibility check.
 */

import assert from "node:assert/strict";
import db from "mime-db";
import {
  contentTypeFor,
  DEFAULT_CONTENT_TYPE,
  isCompressibleType,
} from "../../lib/fs/media_type.ts";

const UTF8 = "; charset=utf-8";

const CONTENT_TYPE_CASES: [path: string, contentType: string][] = [
  // Web essentials.
  ["index.html", `text/html${UTF8}`],
  ["page.htm", `text/html${UTF8}`],
  ["app.js", `text/javascript${UTF8}`],
  ["module.mjs", `text/javascript${UTF8}`],
  ["style.css", `text/css${UTF8}`],
  ["data.json", `application/json${UTF8}`],
  ["app.js.map", `application/json${UTF8}`],
  ["site.webmanifest", `application/manifest+json${UTF8}`],
  ["data.jsonld", `application/ld+json${UTF8}`],
  ["module.wasm", "application/wasm"],
  ["logo.svg", `image/svg+xml${UTF8}`],
  ["feed.xml", `application/xml${UTF8}`],
  ["feed.atom", `application/atom+xml${UTF8}`],
  ["page.xhtml", `application/xhtml+xml${UTF8}`],
  // Text.
  ["hello.txt", `text/plain${UTF8}`],
  ["README.md", `text/markdown${UTF8}`],
  ["table.csv", `text/csv${UTF8}`],
  ["captions.vtt", `text/vtt${UTF8}`],
  ["config.yaml", `text/yaml${UTF8}`],
  // Media and fonts: binary, no charset.
  ["movie.mp4", "video/mp4"],
  ["sound.m4a", "audio/mp4"],
  ["song.mp3", "audio/mpeg"],
  ["sound.wav", "audio/wav"],
  ["font.woff2", "font/woff2"],
  ["font.woff", "font/woff"],
  ["photo.jpg", "image/jpeg"],
  ["image.png", "image/png"],
  ["image.webp", "image/webp"],
  ["image.avif", "image/avif"],
  ["favicon.ico", "image/vnd.microsoft.icon"],
  ["doc.pdf", "application/pdf"],
  ["archive.zip", "application/zip"],
  ["archive.tar.gz", "application/gzip"],
  // mime-types tie breaking: application/ over text/ for the same source.
  ["doc.rtf", "application/rtf"],
  // mime-db's registered type for .ts is MPEG transport stream, not TypeScript.
  ["clip.ts", "video/mp2t"],
  // Case and path shapes.
  ["INDEX.HTML", `text/html${UTF8}`],
  ["photo.JPG", "image/jpeg"],
  ["/srv/site/assets/app.3f9a1c2b.js", `text/javascript${UTF8}`],
  ["C:\\site\\app.js", `text/javascript${UTF8}`],
  ["with space.txt", `text/plain${UTF8}`],
  ["日本.txt", `text/plain${UTF8}`],
  // No usable extension.
  ["noext", DEFAULT_CONTENT_TYPE],
  [".bashrc", DEFAULT_CONTENT_TYPE],
  [".env", DEFAULT_CONTENT_TYPE],
  ["/srv/.config/noext", DEFAULT_CONTENT_TYPE],
  ["dir.d/noext", DEFAULT_CONTENT_TYPE],
  ["file.", DEFAULT_CONTENT_TYPE],
  ["", DEFAULT_CONTENT_TYPE],
  ["file.unknownext", DEFAULT_CONTENT_TYPE],
  ["large.bin", DEFAULT_CONTENT_TYPE],
  ["app.js.br", DEFAULT_CONTENT_TYPE],
  ["file.constructor", DEFAULT_CONTENT_TYPE],
  ["file.__proto__", DEFAULT_CONTENT_TYPE],
];

Deno.test("contentTypeFor() picks the type by extension and adds charset for text", () => {
  assert.equal(DEFAULT_CONTENT_TYPE, "application/octet-stream");
  for (const [path, contentType] of CONTENT_TYPE_CASES) {
    assert.equal(contentTypeFor(path), contentType, path);
  }
});

Deno.test("isCompressibleType() follows mime-db and defaults text types to true", () => {
  const cases: [contentType: string, compressible: boolean][] = [
    [`text/html${UTF8}`, true],
    ["text/css", true],
    ["TEXT/CSS; charset=UTF-8", true],
    ["text/x-unknown", true],
    [`application/json${UTF8}`, true],
    [`text/javascript${UTF8}`, true],
    ["application/javascript", true],
    [`image/svg+xml${UTF8}`, true],
    ["application/wasm", true],
    ["application/vnd.example+json", true],
    ["application/vnd.example+xml", true],
    ["image/png", false],
    ["image/jpeg", false],
    ["video/mp4", false],
    ["audio/mpeg", false],
    ["font/woff2", false],
    ["application/gzip", false],
    ["application/zip", false],
    ["application/x-unknown", false],
    [DEFAULT_CONTENT_TYPE, false],
    ["", false],
  ];
  for (const [contentType, compressible] of cases) {
    assert.equal(isCompressibleType(contentType), compressible, contentType);
  }
});

Deno.test("contentTypeFor() maps every mime-db extension to a type that claims it", () => {
  const claims = new Map<string, Set<string>>();
  for (const [type, entry] of Object.entries(db as Record<string, { extensions?: string[] }>)) {
    for (const extension of entry.extensions ?? []) {
      claims.set(extension, (claims.get(extension) ?? new Set()).add(type));
    }
  }
  assert.ok(claims.size > 1000);
  for (const [extension, types] of claims) {
    const contentType = contentTypeFor(`file.${extension.toUpperCase()}`);
    const [essence, ...parameters] = contentType.split("; ");
    assert.ok(types.has(essence), `.${extension} → ${contentType}`);
    if (essence.startsWith("text/")) assert.deepEqual(parameters, ["charset=utf-8"], extension);
  }
});
