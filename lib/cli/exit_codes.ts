/**
 * @module
 * Process exit codes, documented in the README so CI scripts can tell a usage
 * mistake from a busy port or a missing Deno permission.
 */

/** Exit codes of the berth CLI. */
export const EXIT_CODE = {
  /** Normal stop (including SIGINT/SIGTERM). */
  OK: 0,
  /** Unexpected failure. */
  FAILURE: 1,
  /** Bad command line or configuration (a `--host` that does not resolve or is not this machine's included). */
  USAGE: 2,
  /** The address to listen on is already in use. */
  ADDRESS_IN_USE: 3,
  /** A Deno permission berth needs was not granted, or the system refused the privilege to bind the port. */
  PERMISSION: 4,
  /** A second SIGINT during the shutdown grace period: stopped at once (128 + 2). */
  INTERRUPTED: 130,
  /** A second SIGTERM during the shutdown grace period: stopped at once (128 + 15). */
  TERMINATED: 143,
} as const;
