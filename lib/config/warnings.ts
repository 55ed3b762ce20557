/**
 * @module
 * The risky but valid choices in effective settings (a public bind, a listing
 * or metrics open to the network, dotfiles, no security headers…), one
 * sentence each, for the startup log and `berth check`.
 */

import { isLoopbackHost } from "../http/ip_address.ts";
import type { Settings } from "./schema.ts";

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

/**
 * Lists the risky but valid choices in `settings`, one sentence each, for the
 * startup log and `berth check`.
 */
export function collectWarnings(settings: Settings): string[] {
  const warnings: string[] = [];
  const publicBind = isPublicHost(settings.host);
  if (WILDCARD_HOSTS.has(settings.host)) {
    warnings.push(
      `"host" is "${settings.host}": berth listens on every network interface, so other machines can read the served files`,
    );
  } else if (publicBind) {
    warnings.push(
      `"host" is "${settings.host}", not a loopback address: other machines on that network can read the served files`,
    );
  }
  if (settings.listing && publicBind) {
    warnings.push(
      `"listing" is on with a public "host": anyone who can reach berth can browse every directory`,
    );
  }
  if (settings.dotfiles) {
    warnings.push(
      `"dotfiles" is on: names starting with "." such as .git and .env are served`,
    );
  }
  const tls = settings.cert !== undefined && settings.key !== undefined;
  if (publicBind && !tls && settings.auth.users !== undefined && !settings.trustProxy) {
    warnings.push(
      `"auth.users" is set with a public "host" and no TLS: passwords and session cookies cross the network in clear text; add "cert" and "key" or run behind a TLS proxy with "trustProxy"`,
    );
  }
  const headers = new Map(
    Object.entries(settings.headers).map(([name, value]) => [name.toLowerCase(), value.trim()]),
  );
  const allowOrigin = settings.cors ? "*" : headers.get("access-control-allow-origin");
  if (
    allowOrigin === "*" &&
    headers.get("access-control-allow-credentials")?.toLowerCase() === "true"
  ) {
    warnings.push(
      `"Access-Control-Allow-Origin: *" with "Access-Control-Allow-Credentials: true": browsers reject credentialed requests to a wildcard origin; name the allowed origins instead`,
    );
  }
  if (!settings.securityHeaders) {
    warnings.push(
      `"securityHeaders" is off: responses lack nosniff, Referrer-Policy and X-Frame-Options`,
    );
  }
  if (/^(?:\/|[A-Za-z]:[\\/]?)$/.test(settings.root)) {
    warnings.push(`"root" is "${settings.root}": the whole filesystem is served`);
  }
  if (settings.metrics && settings.metricsAccess === "any" && publicBind) {
    warnings.push(
      `"metricsAccess" is "any" with a public "host": anyone who can reach berth can read its traffic metrics`,
    );
  }
  return warnings;
}

/** Whether berth bound to `host` is reachable from other machines. */
export function isPublicHost(host: string): boolean {
  return !isLoopbackHost(host);
}
