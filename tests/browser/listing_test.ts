/**
 * The directory listing in a real browser (headless Chromium) against berth
 * started as a subprocess with `--listing`, at 1280 and 390 px: no sideways
 * scrolling on a phone, dates on one line, column headers that re-sort the
 * page, breadcrumb links, the filter box, localised dates, hostile names that
 * link to their files, and no console error (the page's CSP allows its own
 * style and script). Screenshots are saved under tests/browser/artifacts/
 * (git-ignored; `BERTH_ARTIFACTS` moves them).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { processTest, startBerth } from "../integration/harness.ts";
import { launchBrowser } from "./browser.ts";
import type { Page } from "playwright-core";

/** Where screenshots go: a test artefact, never committed. */
const ARTIFACTS = Deno.env.get("BERTH_ARTIFACTS") ??
  fileURLToPath(new URL("./artifacts/", import.meta.url));

const HOSTILE = `we<ir>d "name" 100% #1?.txt`;
const FILES: Record<string, number> = {
  "file2.txt": 20,
  "file10.txt": 1000,
  "File1.txt": 300,
  "photo.png": 50_000,
  "ünïcode ✓.md": 5,
  [HOSTILE]: 7,
  "a-rather-long-file-name-that-has-no-spaces-to-break-on-at-all-0123456789.tar.gz": 2_000_000,
};

/** The names in the table's rows, in order (without the parent row). */
async function rowNames(page: Page): Promise<string[]> {
  return await page.$$eval(
    "tbody tr:not(.up) td:first-child a",
    (links) => links.map((link) => link.textContent ?? ""),
  );
}

processTest("the listing reads well at 1280 and 390 px, sorts, filters and links", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-listing-browser-" }));
  await Deno.mkdir(join(root, "a", "b"), { recursive: true });
  await Deno.mkdir(join(root, "Docs"));
  await Deno.writeTextFile(join(root, "a", "b", "deep.txt"), "deep");
  let minute = 0;
  for (const [name, size] of Object.entries(FILES)) {
    await Deno.writeFile(join(root, name), new Uint8Array(size).fill(65));
    const time = new Date(Date.UTC(2024, 0, 2, 3, minute++));
    await Deno.utime(join(root, name), time, time);
  }
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const berth = await startBerth({ root, args: ["--listing"] });
  const browser = await launchBrowser();
  try {
    for (const width of [1280, 390]) {
      // The phone run is in dark mode, so both schemes get a screenshot.
      const context = await browser.newContext({
        viewport: { width, height: 800 },
        colorScheme: width === 390 ? "dark" : "light",
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => {
        // A 404 is reported by the response handler, with its URL.
        if (message.type() === "error" && !message.text().includes("404")) {
          problems.push(message.text());
        }
      });
      page.on("response", (response) => {
        // The plain-text file page asks for /favicon.ico; listings never do.
        const url = new URL(response.url());
        if (response.status() >= 400 && url.pathname !== "/favicon.ico") {
          problems.push(`${response.status()} ${url.pathname}`);
        }
      });
      await page.goto(berth.url);
      await page.screenshot({ path: join(ARTIFACTS, `listing-${width}.png`), fullPage: true });

      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      assert.equal(overflow, 0, `no horizontal scroll at ${width} px`);
      // Every date stays on one line.
      const dateLines = await page.evaluate(
        `[...document.querySelectorAll("td time")].map((time) =>
          time.getBoundingClientRect().height / parseFloat(getComputedStyle(time).lineHeight))`,
      ) as number[];
      assert.ok(dateLines.length > 0);
      for (const lines of dateLines) assert.ok(lines < 1.5, `a date wraps at ${width} px`);
      // The script localised the dates and kept the UTC text as the tooltip.
      const title = await page.getAttribute("tbody tr:nth-child(4) td time", "title");
      assert.match(title ?? "", /^2024-01-02 03:0\d UTC$/);
      assert.doesNotMatch(
        await page.textContent("tbody tr:nth-child(4) td:nth-child(3)") ?? "",
        /^2024-/,
      );

      // Default: folders first, names natural and case-insensitive.
      const names = await rowNames(page);
      assert.deepEqual(names.slice(0, 2), ["a/", "Docs/"]);
      assert.ok(names.indexOf("File1.txt") < names.indexOf("file2.txt"));
      assert.ok(names.indexOf("file2.txt") < names.indexOf("file10.txt"));
      assert.match(await page.textContent(".meta") ?? "", /2 folders, 7 files/);

      // Column headers are sort links; a second click reverses.
      const headers = await page.$$eval(
        "thead th a",
        (links) => links.map((link) => link.getAttribute("href")),
      );
      assert.deepEqual(headers, [
        "?sort=name&order=desc",
        "?sort=size&order=asc",
        "?sort=modified&order=asc",
      ]);
      await page.getByRole("link", { name: "Size" }).click();
      await page.waitForURL(/sort=size&order=asc$/);
      const bySize = await rowNames(page);
      assert.deepEqual(bySize.slice(0, 2), ["a/", "Docs/"], "folders first");
      assert.deepEqual(bySize.slice(2, 4), ["ünïcode ✓.md", HOSTILE]);
      assert.equal(bySize.at(-1), Object.keys(FILES).at(-1));
      assert.equal(
        await page.getAttribute("th[aria-sort]", "aria-sort"),
        "ascending",
      );
      await page.getByRole("link", { name: "Size" }).click();
      await page.waitForURL(/sort=size&order=desc$/);
      const bySizeDesc = await rowNames(page);
      assert.deepEqual(bySizeDesc.slice(0, 2), ["Docs/", "a/"], "folders first, reversed");
      assert.equal(bySizeDesc[2], Object.keys(FILES).at(-1));

      // The filter box (shown by the script) hides rows that do not match.
      const filter = page.getByLabel("Filter");
      assert.ok(await filter.isVisible());
      await filter.fill("FILE");
      const visible = await page.$$eval(
        "tbody tr:not(.up)",
        (rows) => rows.filter((row) => !row.hidden).map((row) => row.textContent ?? ""),
      );
      assert.equal(visible.length, 4, visible.join(" | "));
      assert.match(await page.textContent("#shown") ?? "", /^4 of 9 shown$/);

      // A hostile name links to its file.
      await page.goto(berth.url);
      await page.getByRole("link", { name: HOSTILE }).click();
      await page.waitForURL(/we%3Cir%3Ed/);
      assert.equal(await page.textContent("body"), "AAAAAAA");

      // The breadcrumb: every ancestor a link, the current folder not.
      await page.goto(new URL("a/b/", berth.url).href);
      await page.screenshot({ path: join(ARTIFACTS, `listing-deep-${width}.png`), fullPage: true });
      const crumbs = await page.evaluate(
        `[...document.querySelectorAll("nav h1 a")].map((link) => link.href)`,
      );
      assert.deepEqual(crumbs, [berth.url, new URL("a/", berth.url).href]);
      assert.equal(await page.textContent("nav [aria-current=page]"), "b/");
      await page.click("nav h1 a >> nth=1");
      await page.waitForURL(new URL("a/", berth.url).href);
      assert.deepEqual(await rowNames(page), ["b/"]);

      assert.deepEqual(problems, [], "no console errors (CSP allows the page's own code)");
      await context.close();
    }
  } finally {
    await browser.close();
    await berth.stop();
    await Deno.remove(root, { recursive: true });
  }
});
