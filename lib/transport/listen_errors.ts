/**
 * @module
 * The errors {@linkcode listen} throws when it cannot start, each for one
 * cause the operator can fix: the port is taken, the system refuses the bind
 * (no privilege for a low port, an address this machine does not have, a
 * host name that does not resolve), or the TLS material is not usable.
 * lib/server.ts turns them into the errors the CLI names with an exit code.
 */

/** The error `listen` throws when the port is taken. */
export class ListenAddressInUseError extends Error {
  constructor(options?: ErrorOptions) {
    super("The address is already in use", options);
    this.name = "ListenAddressInUseError";
  }
}

/** Why the system refused to bind, for {@linkcode ListenRefusedError}. */
export type ListenRefusal =
  /** EACCES: e.g. a port below 1024 without the privilege to bind it. */
  | "no-privilege"
  /** EADDRNOTAVAIL (EINVAL in Deno): an IP address that is not one of this machine's. */
  | "not-local"
  /** The host name does not resolve (getaddrinfo ENOTFOUND / EAI_AGAIN). */
  | "unknown-host";

/** The error `listen` throws when the system refuses the address. */
export class ListenRefusedError extends Error {
  constructor(readonly refusal: ListenRefusal, options?: ErrorOptions) {
    super(`The system refused to listen (${refusal})`, options);
    this.name = "ListenRefusedError";
  }
}

/** The error `listen` throws when the certificate or key cannot be used. */
export class TlsMaterialError extends Error {
  constructor(options?: ErrorOptions) {
    super("The certificate or key is not valid PEM", options);
    this.name = "TlsMaterialError";
  }
}

/** The refusal a bind or lookup error code stands for, or null for another failure. */
export function classifyListenError(code: string | undefined): ListenRefusal | null {
  switch (code) {
    case "EACCES":
      return "no-privilege";
    case "EADDRNOTAVAIL":
    case "EINVAL":
      return "not-local";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return "unknown-host";
    default:
      return null;
  }
}
