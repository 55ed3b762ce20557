/**
 * @module
 * IP addresses as berth uses them for client identity: strict parsing of
 * IPv4 and IPv6 literals, one canonical text form (RFC 5952, IPv4-mapped
 * IPv6 written as plain IPv4), address ranges in CIDR notation, and the one
 * loopback test. Pure functions, no IO.
 */

/**
 * An IP address as bytes: 4 for IPv4, 16 for IPv6. IPv4-mapped IPv6 is always
 * unmapped to 4. PERF: a plain array; allocating a Uint8Array costs ~0.5 µs.
 */
export type IpBytes = readonly number[];

/** An address range: the network's bytes (host bits cleared) and the prefix length in bits. */
export interface IpRange {
  readonly bytes: IpBytes;
  readonly prefix: number;
}

/** Loopback ranges: what "only this machine" means (`127.0.0.0/8` and `::1`). */
export const LOOPBACK_RANGES: readonly string[] = ["127.0.0.0/8", "::1"];

/** One IPv6 group: 1 to 4 hex digits. */
const IPV6_GROUP_REGEXP = /^[0-9A-Fa-f]{1,4}$/;
/** `::ffff:` written by the kernel (and Rust) in front of an IPv4-mapped peer. */
const MAPPED_PREFIX = "::ffff:";
/** Bytes 0-11 of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2). */
const MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * Parses an IPv4 or IPv6 literal (no brackets, port or zone); `null` when it
 * is not exactly one. An IPv4-mapped IPv6 address comes back as its IPv4
 * bytes, so `::ffff:1.2.3.4` and `1.2.3.4` are the same client everywhere.
 */
export function parseIpAddress(text: string): IpBytes | null {
  if (text.includes(":")) {
    const bytes = parseIpv6(text);
    return bytes === null ? null : unmap(bytes);
  }
  return parseIpv4(text);
}

/**
 * Writes `bytes` in the canonical form: dotted IPv4, or RFC 5952 IPv6
 * (lower case, no leading zeros, the longest run of two or more zero groups
 * as `::`, the first one on a tie).
 */
export function formatIpAddress(bytes: IpBytes): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The canonical form of an address literal (see {@linkcode formatIpAddress}), or `null`. */
export function normalizeIpAddress(text: string): string | null {
  const bytes = parseIpAddress(text);
  return bytes === null ? null : formatIpAddress(bytes);
}

/**
 * The canonical form of a socket peer's host as Deno reports it: the one
 * change needed is `::ffff:a.b.c.d` → `a.b.c.d` (an IPv4 client on a dual-stack
 * socket); everything else is already canonical. PERF: a character test and,
 * for IPv6 peers only, a prefix test — this runs on every request.
 */
export function normalizePeerAddress(hostname: string): string {
  if (hostname.charCodeAt(0) !== 0x3a /* ":" */ || !hostname.startsWith(MAPPED_PREFIX)) {
    return hostname;
  }
  const tail = hostname.slice(MAPPED_PREFIX.length);
  return parseIpv4(tail) === null ? hostname : tail;
}

/**
 * Parses a range: `10.0.0.0/8`, `2001:db8::/32`, or one address (a /32 or
 * /128). Host bits below the prefix are cleared, as nginx does. A range
 * inside `::ffff:0:0/96` is the IPv4 range it maps. `null` when invalid.
 */
export function parseIpRange(text: string): IpRange | null {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const raw = addressText.includes(":") ? parseIpv6(addressText) : parseIpv4(addressText);
  if (raw === null) return null;
  let prefix = raw.length * 8;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > raw.length * 8) return null;
  }
  let bytes = raw;
  if (raw.length === 16 && prefix >= 96 && isMapped(raw)) {
    bytes = raw.slice(12);
    prefix -= 96;
  }
  const network: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    network.push(bytes[i] & (0xff << (8 - bits)));
  }
  return { bytes: network, prefix };
}

/** Whether `address` lies in `range` (both already parsed; IPv4 never matches an IPv6 range). */
export function isInRange(address: IpBytes, range: IpRange): boolean {
  if (address.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : 0xff << (8 - bits);
    if ((address[i] & mask) !== range.bytes[i]) return false;
  }
  return true;
}

/**
 * Whether `address` (a literal, not a name) is a loopback address:
 * `127.0.0.0/8`, `::1` in any spelling, or IPv4-mapped `::ffff:127.x.x.x`.
 */
export function isLoopbackAddress(address: string): boolean {
  const bytes = parseIpAddress(address);
  if (bytes === null) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes[15] === 1 && bytes.every((byte, i) => i === 15 || byte === 0);
}

/**
 * Whether `host` names this machine: `localhost` (any case, RFC 6761 §6.3),
 * or a loopback address as {@linkcode isLoopbackAddress} reads it, bare or in
 * URL brackets (`[::1]`). For hosts from settings and URLs; a client's address
 * is never a name, so the request path uses `isLoopbackAddress`.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return bare.toLowerCase() === "localhost" || isLoopbackAddress(bare);
}

/**
 * A host as it appears in a URL or a Deno `net` permission: IPv6 literals in
 * brackets (`[::1]`), names and IPv4 as they are. Already bracketed hosts are
 * left alone.
 */
export function formatUrlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * Dotted-quad IPv4, no leading zeros (they read as octal in some parsers).
 * PERF: a hand-rolled scan; split plus a regex per octet cost ~5× more, and
 * this runs per proxy header entry.
 */
function parseIpv4(text: string): IpBytes | null {
  if (text.length < 7 || text.length > 15) return null;
  const bytes = [0, 0, 0, 0];
  let octet = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x2e; /* "." ends the last octet */
    if (code === 0x2e) {
      if (digits === 0 || octet > 3) return null;
      bytes[octet++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      if (digits > 0 && value === 0) return null; // leading zero
      value = value * 10 + code - 0x30;
      if (value > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  return octet === 4 ? bytes : null;
}

function parseIpv6(text: string): IpBytes | null {
  if (text.length < 2 || text.length > 45) return null;
  const double = text.indexOf("::");
  if (double >= 0 && text.indexOf("::", double + 1) >= 0) return null;
  // An embedded IPv4 address may only end the literal (RFC 4291 §2.2, form 3).
  const head = parseGroups(double < 0 ? text : text.slice(0, double), double < 0);
  const tail = double < 0 ? [] : parseGroups(text.slice(double + 2), true);
  if (head === null || tail === null) return null;
  const count = head.length + tail.length;
  if (double < 0 ? count !== 8 : count > 7) return null;
  const groups = [...head, ...Array(8 - count).fill(0), ...tail];
  const bytes: number[] = [];
  for (let i = 0; i < 8; i++) {
    bytes.push(groups[i] >> 8, groups[i] & 0xff);
  }
  return bytes;
}

/** `a:b:c` → group values; `""` → none. `ipv4Last` lets the last part be dotted IPv4. */
function parseGroups(text: string, ipv4Last: boolean): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const values: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (ipv4Last && i === parts.length - 1 && part.includes(".")) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === null) return null;
      values.push((ipv4[0] << 8) | ipv4[1], (ipv4[2] << 8) | ipv4[3]);
    } else if (IPV6_GROUP_REGEXP.test(part)) {
      values.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return values;
}

function isMapped(bytes: IpBytes): boolean {
  return MAPPED_HEAD.every((byte, i) => bytes[i] === byte);
}

function unmap(bytes: IpBytes): IpBytes {
  return isMapped(bytes) ? bytes.slice(12) : bytes;
}
