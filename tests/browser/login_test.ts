/**
 * The built-in login page in a real browser (headless Chromium) against berth
 * started as a subprocess: a protected page redirects to the login page, a
 * wrong password shows a message, signing in lands back on the page, the
 * cookie is HttpOnly, and signing out locks the page again; the page at 1280
 * and 390 px (screenshots under tests/browser/artifacts/).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { processTest, startBerth } from "../integration/harness.ts";
import { launchBrowser } from "./browser.ts";

/** Where screenshots go: a test artefact, never committed. */
const ARTIFACTS = Deno.env.get("BERTH_ARTIFACTS") ??
  fileURLToPath(new URL("./artifacts/", import.meta.url));

const PASSWORD = "browser-password-42";

processTest(
  "the login page signs a browser in, reaches a protected page and signs out",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-login-browser-" }));
    const root = join(dir, "site");
    await Deno.mkdir(join(root, "team"), { recursive: true });
    await Deno.writeTextFile(join(root, "index.html"), "<title>Home</title><h1>Public home</h1>");
    await Deno.writeTextFile(
      join(root, "team", "report.html"),
      '<title>Report</title><h1 id="report">Team report</h1>',
    );
    const users = [{ name: "dana", passwordHash: await hashPassword(PASSWORD), roles: ["team"] }];
    await Deno.writeTextFile(join(dir, "users.json"), JSON.stringify({ users }));
    const config = join(dir, "berth.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        access: [{ path: "/team/*", roles: ["team"] }],
        auth: { users: "users.json" },
      }),
    );
    const berth = await startBerth({
      root,
      args: ["--config", config],
      permissions: ["--allow-net=127.0.0.1", `--allow-read=${dir}`],
    });
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));

      const protectedUrl = new URL("team/report.html?tab=2", berth.url).href;
      await page.goto(protectedUrl);
      assert.equal(new URL(page.url()).pathname, "/_berth/login");
      assert.equal(new URL(page.url()).searchParams.get("next"), "/team/report.html?tab=2");
      assert.equal(await page.title(), "Sign in");

      // Labels are wired to their inputs: fill by accessible name.
      await page.getByLabel("User name").fill("dana");
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForSelector("#login-error");
      assert.match(
        await page.textContent("#login-error") ?? "",
        /Wrong user name, password or one-time code/,
      );
      assert.equal(await page.inputValue("#username"), "dana", "the name is kept");
      assert.equal(await page.inputValue("#password"), "");
      assert.equal(await page.evaluate("document.activeElement.id"), "password");
      assert.equal(await page.getAttribute("#login-error", "aria-live"), "assertive");

      await page.getByLabel("User name").fill("dana");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForSelector("#report");
      assert.equal(page.url(), protectedUrl);
      assert.equal(await page.textContent("#report"), "Team report");

      const cookies = await context.cookies();
      const session = cookies.find((cookie) => cookie.name === "berth_session");
      assert.ok(session, "the session cookie is set");
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Strict");
      assert.equal(await page.evaluate("document.cookie"), "", "scripts cannot read it");

      // The login page knows who is signed in and offers to sign out.
      await page.goto(new URL("_berth/login", berth.url).href);
      assert.match(await page.textContent("main") ?? "", /Signed in as dana/);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/_berth\/login$/);
      assert.equal(
        (await context.cookies()).some((cookie) => cookie.name === "berth_session"),
        false,
      );
      await page.goto(protectedUrl);
      assert.equal(new URL(page.url()).pathname, "/_berth/login", "locked again");
      // Both widths: no sideways scroll, "Back" never loops to the login page.
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(new URL("_berth/login?next=/_berth/login", berth.url).href);
        await page.screenshot({ path: join(ARTIFACTS, `login-${width}.png`), fullPage: true });
        assert.equal(
          await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth",
          ),
          0,
          `no horizontal scroll at ${width} px`,
        );
        assert.equal(await page.getAttribute("text=Back", "href"), "/");
        assert.ok(await page.getByLabel("One-time code").isVisible());
      }
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await browser.close();
      await berth.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
