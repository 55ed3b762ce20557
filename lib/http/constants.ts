/**
 * @module
 * Status codes, header names and method sets used across berth, so protocol
 * code reads as names instead of bare literals.
 */

/** HTTP status codes berth answers with (RFC 9110 §15). */
export const STATUS = {
  OK: 200,
  NO_CONTENT: 204,
  PARTIAL_CONTENT: 206,
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  NOT_MODIFIED: 304,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  PRECONDITION_FAILED: 412,
  CONTENT_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_REQUESTS: 429,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

/** Reason phrases for the statuses above, used by error pages. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Header names, lower case as Deno's Headers stores them. */
export const HEADER = {
  ACCEPT: "accept",
  ACCEPT_ENCODING: "accept-encoding",
  ACCEPT_RANGES: "accept-ranges",
  ALLOW: "allow",
  AUTHORIZATION: "authorization",
  CACHE_CONTROL: "cache-control",
  CONTENT_ENCODING: "content-encoding",
  CONTENT_LENGTH: "content-length",
  CONTENT_RANGE: "content-range",
  CONTENT_TYPE: "content-type",
  COOKIE: "cookie",
  DATE: "date",
  ETAG: "etag",
  HOST: "host",
  IF_MATCH: "if-match",
  IF_MODIFIED_SINCE: "if-modified-since",
  IF_NONE_MATCH: "if-none-match",
  IF_RANGE: "if-range",
  IF_UNMODIFIED_SINCE: "if-unmodified-since",
  LAST_MODIFIED: "last-modified",
  LOCATION: "location",
  ORIGIN: "origin",
  RANGE: "range",
  RETRY_AFTER: "retry-after",
  SET_COOKIE: "set-cookie",
  VARY: "vary",
  WWW_AUTHENTICATE: "www-authenticate",
} as const;

/** Methods that read a resource; the only ones the file core answers. */
export const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/** The `Allow` value for static resources (RFC 9110 §10.2.1). */
export const ALLOW_STATIC = "GET, HEAD, OPTIONS";
