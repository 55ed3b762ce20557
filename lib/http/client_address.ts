/**
 * @module
 * Which address a request comes from, and whether the client used https: the
 * TCP peer, or — with `--trust-proxy`, and only when the peer is one of the
 * trusted proxies — what those proxies report in ONE configured header. The
 * rules are those of nginx's real-IP module (`set_real_ip_from`,
 * `real_ip_header`, `real_ip_recursive on`).
 */

import {
  formatIpAddress,
  type IpBytes,
  type IpRange,
  isInRange,
  LOOPBACK_RANGES,
  normalizePeerAddress,
  parseIpAddress,
  parseIpRange,
} from "./ip_address.ts";

/** The headers a proxy may name the client in. */
export const PROXY_HEADERS = ["X-Forwarded-For", "X-Real-IP", "Forwarded"] as const;

/** One of {@linkcode PROXY_HEADERS}. */
export type ProxyHeader = typeof PROXY_HEADERS[number];

/** Proxies trusted when `trustProxy` is on and no list is given: this machine only. */
export const DEFAULT_TRUSTED_PROXIES: readonly string[] = LOOPBACK_RANGES;

/** Options for {@linkcode createClientResolver}. */
export interface ProxyOptions {
  /** Read proxy headers at all (the `--trust-proxy` switch). */
  trustProxy: boolean;
  /** Addresses and CIDR ranges of the proxies in front of berth; default loopback. */
  trustedProxies?: readonly string[];
  /** The one header the proxies name the client in; default `X-Forwarded-For`. */
  proxyHeader?: ProxyHeader;
}

/** Resolves each request's client from its peer and headers, with precompiled proxy rules. */
export interface ClientResolver {
  /** The client address (canonical form, IPv4-mapped IPv6 as IPv4) for limits, logs and audit. */
  address(peer: string, headers: Headers): string;
  /**
   * Whether a trusted proxy says the client used https (its last
   * `X-Forwarded-Proto` entry, or `proto=` in its own `Forwarded` element).
   * Decides the cookie's `Secure` attribute and the login's origin check.
   */
  viaHttps(peer: string, headers: Headers): boolean;
}

/** A bracketed IPv6 address with an optional port, as proxies write it. */
const BRACKETED_REGEXP = /^\[([^\]]*)\](?::[0-9]{1,5})?$/;
/** An IPv4 address followed by `:port` (Azure and some CDNs add the port). */
const IPV4_PORT_REGEXP = /^([0-9.]+):[0-9]{1,5}$/;

/**
 * Compiles the proxy rules once.
 *
 * SECURITY: headers are read only when the TCP peer itself is a trusted
 * proxy, and only the configured header: anything a client sends directly,
 * or in another header, is ignored. In the chain, entries are believed from
 * the right while they name trusted proxies; the first untrusted entry is
 * the client (everything left of it came from the client and may be forged).
 * A malformed entry ends the walk at the last good address, never at the
 * client's word.
 *
 * @throws {TypeError} when a trusted proxy entry is not an address or range
 * (settings are validated before, so this is a programming error).
 */
export function createClientResolver(options: ProxyOptions): ClientResolver {
  if (!options.trustProxy) {
    // PERF: the common case costs one character test per request.
    return { address: normalizePeerAddress, viaHttps: () => false };
  }
  const ranges = (options.trustedProxies ?? DEFAULT_TRUSTED_PROXIES).map(compileRange);
  const header = options.proxyHeader ?? "X-Forwarded-For";
  const isTrusted = (bytes: IpBytes): boolean => ranges.some((range) => isInRange(bytes, range));
  // Behind a proxy the peer is nearly always the same address: remember the last answer.
  let lastPeer = "";
  let lastPeerTrusted = false;
  function isTrustedPeer(peer: string): boolean {
    if (peer !== lastPeer) {
      const bytes = parseIpAddress(peer);
      lastPeerTrusted = bytes !== null && isTrusted(bytes);
      lastPeer = peer;
    }
    return lastPeerTrusted;
  }
  const readChain = header === "Forwarded"
    ? (headers: Headers) => headers.get("forwarded")
    : header === "X-Real-IP"
    ? (headers: Headers) => headers.get("x-real-ip")
    : (headers: Headers) => headers.get("x-forwarded-for");
  const nodeOf = header === "Forwarded" ? forwardedFor : (entry: string) => entry;

  return {
    address(peer, headers) {
      const client = normalizePeerAddress(peer);
      if (!isTrustedPeer(client)) return client;
      const chain = readChain(headers);
      if (chain === null) return client;
      if (header === "X-Real-IP") {
        const bytes = parseNode(chain);
        return bytes === null ? client : formatIpAddress(bytes);
      }
      return walkChain(chain, client, { nodeOf, isTrusted });
    },
    viaHttps(peer, headers) {
      if (!isTrustedPeer(normalizePeerAddress(peer))) return false;
      if (header === "Forwarded") {
        const forwarded = headers.get("forwarded");
        return forwarded !== null && forwardedProto(lastElement(forwarded)) === "https";
      }
      const proto = headers.get("x-forwarded-proto");
      return proto !== null && lastElement(proto).trim().toLowerCase() === "https";
    },
  };
}

function compileRange(text: string): IpRange {
  const range = parseIpRange(text);
  if (range === null) throw new TypeError(`"${text}" is not an IP address or CIDR range`);
  return range;
}

/**
 * Walks a comma-separated chain from the right (without splitting all of it:
 * a client may send thousands of entries) and returns the client.
 */
function walkChain(
  chain: string,
  peer: string,
  rules: { nodeOf: (entry: string) => string | null; isTrusted: (bytes: IpBytes) => boolean },
): string {
  let current = peer;
  let end = chain.length;
  while (end >= 0) {
    const comma = chain.lastIndexOf(",", end - 1);
    const node = rules.nodeOf(chain.slice(comma + 1, end));
    const bytes = node === null ? null : parseNode(node);
    if (bytes === null) return current;
    current = formatIpAddress(bytes);
    if (!rules.isTrusted(bytes)) return current;
    if (comma < 0) return current; // Every entry is a trusted proxy: the leftmost is the client.
    end = comma;
  }
  return current;
}

/** Accepts `1.2.3.4`, `1.2.3.4:5`, `::1`, `[::1]` and `[::1]:5`; anything else is null. */
function parseNode(text: string): IpBytes | null {
  const value = text.trim();
  // PERF: the usual entry is a bare address; the regexes are for the rest.
  const direct = parseIpAddress(value);
  if (direct !== null) return direct;
  const bracketed = BRACKETED_REGEXP.exec(value);
  if (bracketed !== null) return bracketed[1].includes(":") ? parseIpAddress(bracketed[1]) : null;
  const withPort = IPV4_PORT_REGEXP.exec(value);
  return parseIpAddress(withPort === null ? value : withPort[1]);
}

/** The `for=` value of one `Forwarded` element (RFC 7239 §4, §6), unquoted; null when absent. */
function forwardedFor(element: string): string | null {
  return forwardedParameter(element, "for");
}

/** The `proto=` value of one `Forwarded` element, lower case; null when absent. */
function forwardedProto(element: string): string | null {
  return forwardedParameter(element, "proto")?.toLowerCase() ?? null;
}

function forwardedParameter(element: string, name: string): string | null {
  for (const pair of element.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      return value.slice(1, -1);
    }
    return value;
  }
  return null;
}

function lastElement(list: string): string {
  return list.slice(list.lastIndexOf(",") + 1);
}

/** The proxy settings of a validated configuration, as {@linkcode createClientResolver} takes them. */
export function proxyOptionsOf(
  settings: { trustProxy: boolean; trustedProxies: readonly string[]; proxyHeader: ProxyHeader },
): ProxyOptions {
  return {
    trustProxy: settings.trustProxy,
    trustedProxies: settings.trustedProxies,
    proxyHeader: settings.proxyHeader,
  };
}
