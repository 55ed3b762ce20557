/**
 * @module
 * The built-in login page: a plain HTML form (labelled inputs, no
 * JavaScript needed) that posts to the login endpoint, plus a sign-out form
 * for a visitor who is already signed in.
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
  /** Name of the signed-in user, when there is one. */
  signedInAs?: string;
}

/** Content-Security-Policy of the page: no scripts, forms post only to this site. */
export const LOGIN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const LOGIN_CSS = "form{display:grid;gap:.6rem;max-width:20rem}" +
  "label{display:grid;gap:.2rem}input{font:inherit;padding:.35rem}" +
  "button{font:inherit;padding:.4rem;cursor:pointer}" +
  ".error{color:#b00020;font-weight:600}@media(prefers-color-scheme:dark){.error{color:#ff8a80}}";

/** Renders the page; every dynamic value is escaped. */
export function renderLoginPage(options: LoginPageOptions): string {
  const next = escapeHtml(options.next);
  const error = options.error === undefined
    ? ""
    : `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>\n`;
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
<input id="username" name="username" autocomplete="username" required autofocus maxlength="64" autocapitalize="none" spellcheck="false"></label>
<label for="password">Password
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<label for="totp">One-time code (if you use one)
<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"></label>
<button type="submit">Sign in</button>
</form>
<p><a href="${next}">Back</a></p>`,
  });
}
