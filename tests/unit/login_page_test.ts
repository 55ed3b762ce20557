/**
 * The built-in login page: the kept user name escaped whatever it holds, the
 * one-time-code field labelled optional, errors announced, and "Back" never
 * leading to the login page again.
 */
import assert from "node:assert/strict";
import { backTarget, renderLoginPage } from "../../lib/auth/login_page.ts";

const PATHS = { loginPath: "/_berth/login", logoutPath: "/_berth/logout" };

/** The value attribute of the user-name input. */
function keptName(html: string): string {
  return html.match(/<input id="username" name="username" value="([^"]*)"/)![1];
}

Deno.test("renderLoginPage() keeps the user name escaped, whatever it holds", () => {
  const cases: [string, string][] = [
    ["dana", "dana"],
    ['"><script>alert(1)</script>', "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["' autofocus onfocus='alert(1)", "&#39; autofocus onfocus=&#39;alert(1)"],
    ["a&amp;b", "a&amp;amp;b"],
    ["ü\u202e✓", "ü\u202e✓"],
    ["x".repeat(500), "x".repeat(64)],
  ];
  for (const [name, expected] of cases) {
    const html = renderLoginPage({ ...PATHS, next: "/", error: "Wrong", username: name });
    assert.equal(keptName(html), expected, name);
    assert.doesNotMatch(html, /<script|onfocus='/);
  }
});

Deno.test("renderLoginPage() focuses the password when the name is kept, and marks the fields", () => {
  const fresh = renderLoginPage({ ...PATHS, next: "/" });
  assert.match(fresh, /id="username"[^>]* autofocus/);
  assert.doesNotMatch(fresh, /id="password"[^>]* autofocus|aria-invalid|role="alert"/);
  const failed = renderLoginPage({ ...PATHS, next: "/", error: "Wrong", username: "dana" });
  assert.match(failed, /id="password"[^>]* autofocus/);
  assert.doesNotMatch(failed, /id="username"[^>]* autofocus/);
  assert.match(
    failed,
    /<p class="error" role="alert" aria-live="assertive" id="login-error">Wrong/,
  );
  assert.match(failed, /aria-describedby="login-error"/);
  assert.equal(failed.match(/aria-invalid="true"/g)?.length, 2);
});

Deno.test("renderLoginPage() labels the one-time code optional and explains it", () => {
  const html = renderLoginPage({ ...PATHS, next: "/" });
  assert.match(html, /<label for="totp">One-time code <span class="hint">\(optional\)<\/span>/);
  assert.match(html, /aria-describedby="totp-hint"/);
  assert.match(html, /id="totp-hint">Only if your account uses/);
  assert.doesNotMatch(html, /id="totp"[^>]* required/);
  assert.doesNotMatch(html, /<script/);
});

Deno.test("backTarget() goes to next, or / when next is a login or logout endpoint", () => {
  const endpoints = [PATHS.loginPath, PATHS.logoutPath];
  const cases: [string, string][] = [
    ["/", "/"],
    ["/team/report.html?tab=2", "/team/report.html?tab=2"],
    ["/_berth/login", "/"],
    ["/_berth/login?next=%2F_berth%2Flogin", "/"],
    ["/_berth/logout", "/"],
    ["/_berth/login-help", "/_berth/login-help"],
    ["/_berth/health", "/_berth/health"],
  ];
  for (const [next, expected] of cases) assert.equal(backTarget(next, endpoints), expected, next);
  const html = renderLoginPage({ ...PATHS, next: "/_berth/login?next=/x" });
  assert.match(html, /<p><a href="\/">Back<\/a><\/p>/);
  assert.match(
    renderLoginPage({ ...PATHS, next: "/a?b=1&c=2" }),
    /<a href="\/a\?b=1&amp;c=2">Back/,
  );
});
