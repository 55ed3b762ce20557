/**
 * @module
 * The built-in login page: a plain HTML form (labelled inputs, no
 * JavaScript needed) that posts to the login endpoint, plus a sign-out form
 * for a visitor who is already signed in. After a failed attempt it keeps the
 * user name and announces the error to screen readers.
 */

import { escapeHtml, renderPage } from "../serve/html.ts";

/** Options for {@linkcode renderLoginPage}. */
export interface LoginPageOptions {
  /** URL of the login endpoint, e.g. `/_berth/login`. */
  loginPath: string;
  /** URL of the logout endpoint. */
  logoutPath: string;
  /** Where to go after signing in (already validated as a same-origin path). */
  next: string;
  /** Message shown above the form (e.g. after a failed attempt). */
  error?: string;
  /** The user name to fill in again after a failed attempt (escaped, cut to 64 characters). */
  username?: string;
  /** Name of the signed-in user, when there is one. */
  signedInAs?: string;
}

/** Content-Security-Policy of the page: no scripts, forms post only to this site. */
export const LOGIN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const LOGIN_CSS = "form{display:grid;gap:.6rem;max-width:20rem}" +
  "label{display:grid;gap:.2rem}input{font:inherit;padding:.35rem}" +
  "button{font:inherit;padding:.4rem;cursor:pointer}" +
  ".hint{color:#595959;font-weight:400;font-size:.9rem;margin:-.4rem 0 0}" +
  "input:focus-visible,button:focus-visible,a:focus-visible{outline:2px solid #0b57d0;outline-offset:2px}" +
  ".error{color:#b00020;font-weight:600}" +
  "@media(prefers-color-scheme:dark){.error{color:#ff8a80}.hint{color:#aaa}" +
  "input:focus-visible,button:focus-visible,a:focus-visible{outline-color:#8ab4f8}}" +
  "@media(max-width:30rem){form{max-width:none}}";

/** Longest user name (USER_NAME_REGEXP in users.ts), and what the page fills in again. */
const MAX_USERNAME_LENGTH = 64;

/**
 * Where the page's "Back" link goes: `next` (already validated as a path on
 * this site), or `/` when `next` is a login or logout endpoint, so going back
 * never lands on the login page again.
 */
export function backTarget(next: string, endpoints: readonly string[]): string {
  const path = next.split("?", 1)[0];
  return endpoints.includes(path) ? "/" : next;
}

/** Renders the page; every dynamic value is escaped. */
export function renderLoginPage(options: LoginPageOptions): string {
  const next = escapeHtml(options.next);
  const back = escapeHtml(backTarget(options.next, [options.loginPath, options.logoutPath]));
  const failed = options.error !== undefined;
  // role="alert" is announced when the page loads; aria-live covers readers that want it said.
  const error = failed
    ? `<p class="error" role="alert" aria-live="assertive" id="login-error">${
      escapeHtml(options.error!)
    }</p>\n`
    : "";
  const username = escapeHtml((options.username ?? "").slice(0, MAX_USERNAME_LENGTH));
  // A kept name means the password is what to type next.
  const nameFocus = username === "" ? " autofocus" : "";
  const passwordFocus = username === "" ? "" : " autofocus";
  const invalid = failed ? ' aria-invalid="true"' : "";
  const signedIn = options.signedInAs === undefined
    ? ""
    : `<p>Signed in as <strong>${
      escapeHtml(options.signedInAs)
    }</strong>. <a href="${next}">Continue</a></p>
<form method="post" action="${escapeHtml(options.logoutPath)}">
<input type="hidden" name="next" value="${escapeHtml(options.loginPath)}">
<button type="submit">Sign out</button>
</form>
<h2>Sign in as someone else</h2>
`;
  const describedBy = options.error === undefined ? "" : ' aria-describedby="login-error"';
  return renderPage("Sign in", {
    css: LOGIN_CSS,
    bodyHtml: `<h1>Sign in</h1>
${signedIn}${error}<form method="post" action="${escapeHtml(options.loginPath)}"${describedBy}>
<input type="hidden" name="next" value="${next}">
<label for="username">User name
<input id="username" name="username" value="${username}" autocomplete="username" required${nameFocus} maxlength="64" autocapitalize="none" spellcheck="false"${invalid}></label>
<label for="password">Password
<input id="password" name="password" type="password" autocomplete="current-password" required${passwordFocus} maxlength="1024"${invalid}></label>
<label for="totp">One-time code <span class="hint">(optional)</span>
<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" aria-describedby="totp-hint"></label>
<p class="hint" id="totp-hint">Only if your account uses an authenticator app: the 6 digits it shows now.</p>
<button type="submit">Sign in</button>
</form>
<p><a href="${back}">Back</a></p>`,
  });
}
