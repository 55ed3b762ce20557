/**
 * @module
 * Which address a request comes from: the TCP peer, or, behind a trusted
 * reverse proxy (`--trust-proxy`), the client the proxy reports in
 * `Forwarded` (RFC 7239) or `X-Forwarded-For`.
 */

/** Options for {@linkcode resolveClientAddress}. */
export interface ClientAddressOptions {
  /** Believe the proxy headers; only safe when every request passes one proxy. */
  trustProxy: boolean;
}

/** A dotted-quad IPv4 address. */
const IPV4_REGEXP =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
/** Characters of an IPv6 literal (with an optional embedded IPv4 tail). */
const IPV6_REGEXP = /^[0-9A-Fa-f:.]{2,45}$/;
/** An IPv4 address followed by `:port`. */
const IPV4_WITH_PORT_REGEXP = /^([0-9.]+):[0-9]{1,5}$/;
/** A bracketed IPv6 address, optionally followed by `:port`. */
const BRACKETED_IPV6_REGEXP = /^\[([0-9A-Fa-f:.]+)\](?::[0-9]{1,5})?$/;

/**
 * The client address for rate limiting and logs.
 * SECURITY: with `trustProxy`, only the LAST entry is believed: it is the one
 * the proxy in front of berth appended; earlier entries come from the client
 * and may be forged. A last entry that is not an IP address (`unknown`, an
 * obfuscated identifier, garbage) falls back to the peer address.
 */
export function resolveClientAddress(
  peer: string,
  headers: Headers,
  options: ClientAddressOptions,
): string {
  if (!options.trustProxy) return peer;
  const forwarded = headers.get("forwarded");
  if (forwarded !== null) return lastForwardedFor(forwarded) ?? peer;
  const xff = headers.get("x-forwarded-for");
  if (xff !== null) return parseAddress(xff.slice(xff.lastIndexOf(",") + 1)) ?? peer;
  return peer;
}

/** The `for=` parameter of the last `Forwarded` element (RFC 7239 §4), as an address. */
function lastForwardedFor(value: string): string | null {
  const last = value.slice(value.lastIndexOf(",") + 1);
  for (const pair of last.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    if (pair.slice(0, equals).trim().toLowerCase() !== "for") continue;
    let node = pair.slice(equals + 1).trim();
    if (node.startsWith('"') && node.endsWith('"') && node.length >= 2) node = node.slice(1, -1);
    return parseAddress(node);
  }
  return null;
}

/** Accepts `1.2.3.4`, `1.2.3.4:5`, `::1`, `[::1]` and `[::1]:5`; anything else is null. */
function parseAddress(text: string): string | null {
  const value = text.trim();
  if (IPV4_REGEXP.test(value)) return value;
  const withPort = IPV4_WITH_PORT_REGEXP.exec(value);
  if (withPort !== null) return IPV4_REGEXP.test(withPort[1]) ? withPort[1] : null;
  const bracketed = BRACKETED_IPV6_REGEXP.exec(value);
  const candidate = bracketed !== null ? bracketed[1] : value;
  if (!IPV6_REGEXP.test(candidate) || !candidate.includes(":")) return null;
  try {
    // The URL parser validates the literal and gives its canonical (compressed) form.
    return new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * Whether the client reached berth over TLS: the connection itself, or, with
 * `trustProxy`, a TLS-terminating proxy that says `X-Forwarded-Proto: https`
 * (or `Forwarded: proto=https`). Decides the cookie's `Secure` attribute.
 */
export function isSecureClient(
  secureConnection: boolean,
  headers: Headers,
  options: ClientAddressOptions,
): boolean {
  if (secureConnection) return true;
  if (!options.trustProxy) return false;
  const forwarded = headers.get("forwarded");
  if (forwarded !== null) {
    const last = forwarded.slice(forwarded.lastIndexOf(",") + 1).toLowerCase();
    return /(?:^|;)\s*proto="?https"?\s*(?:;|$)/.test(last);
  }
  const proto = headers.get("x-forwarded-proto");
  return proto !== null && proto.slice(proto.lastIndexOf(",") + 1).trim().toLowerCase() === "https";
}
