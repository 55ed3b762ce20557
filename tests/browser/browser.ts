/**
 * @module
 * Headless Chromium for real-browser tests: Debian's `chromium` driven by
 * playwright-core (no browser download), started with the flags this closed
 * network needs (no background networking, no component updates).
 */

import { type Browser, chromium } from "playwright-core";

/** Where Debian's package installs Chromium; override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Launches headless Chromium; always `await browser.close()` in `finally`. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
