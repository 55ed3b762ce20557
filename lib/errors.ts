/**
 * @module
 * The one error type that crosses the HTTP boundary. Anything thrown that is
 * not an {@linkcode HttpError} becomes a generic 500 whose body says nothing
 * about the cause (no message, stack or filesystem path).
 */

/** Options for {@linkcode HttpError}. */
export interface HttpErrorOptions {
  /** The underlying error, kept for the log and never sent to the client. */
  cause?: unknown;
  /** Extra response headers, e.g. `Allow` on a 405 or `Retry-After` on a 429. */
  headers?: HeadersInit;
  /** Answer in JSON unless the client asks for HTML (an API endpoint's errors). */
  preferJson?: boolean;
}

/**
 * An error that knows its HTTP status and a message that is safe to show.
 * Thrown from a custom `FileSystem` (the `fs` option of
 * `createHandler`), it becomes berth's error page with that status.
 *
 * @example Refusing one path from a custom filesystem
 * ```ts
 * import { type FileSystem, HttpError } from "@berth/berth";
 *
 * function hidePrivate(fs: FileSystem): FileSystem {
 *   return {
 *     ...fs,
 *     statSync: undefined,
 *     stat(path) {
 *       if (path.includes("/private/")) throw new HttpError(403, "Not for you");
 *       return fs.stat(path);
 *     },
 *   };
 * }
 * ```
 */
export class HttpError extends Error {
  /** HTTP status code to answer with. */
  readonly status: number;
  /** Message safe to send to the client. */
  readonly publicMessage: string;
  /** Headers to add to the error response. */
  readonly headers: Headers;
  /** Whether the error page is JSON unless the client asks for HTML. */
  readonly preferJson: boolean;

  /** Creates the error; `publicMessage` may reach the client, `options.cause` never does. */
  constructor(status: number, publicMessage: string, options: HttpErrorOptions = {}) {
    super(publicMessage, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.publicMessage = publicMessage;
    this.headers = new Headers(options.headers);
    this.preferJson = options.preferJson ?? false;
  }
}
