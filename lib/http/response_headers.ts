/**
 * @module
 * Adding headers to a response that may have immutable headers (Deno makes
 * `Response.redirect()` and fetched responses immutable): mutate in place when
 * allowed, otherwise copy once.
 */

/** How to treat a header the response already has. */
export type HeaderMode = "override" | "keep";

/** Options for {@linkcode applyHeaders}. */
export interface ApplyHeadersOptions {
  /** `keep` leaves headers the response already set (default), `override` replaces them. */
  mode?: HeaderMode;
}

/** Returns `response` with `entries` applied, copying it only if its headers are immutable. */
export function applyHeaders(
  response: Response,
  entries: readonly (readonly [string, string])[],
  options: ApplyHeadersOptions = {},
): Response {
  if (entries.length === 0) return response;
  let target = response;
  try {
    setAll(target.headers, entries, options.mode ?? "keep");
  } catch {
    target = new Response(response.body, response);
    setAll(target.headers, entries, options.mode ?? "keep");
  }
  return target;
}

function setAll(
  headers: Headers,
  entries: readonly (readonly [string, string])[],
  mode: HeaderMode,
): void {
  for (const [name, value] of entries) {
    if (mode === "keep" && headers.has(name)) continue;
    headers.set(name, value);
  }
}

/** Appends `token` to a comma-separated header such as `Vary` unless already listed. */
export function appendHeaderToken(headers: Headers, name: string, token: string): void {
  const current = headers.get(name);
  if (current === null || current.trim() === "") {
    headers.set(name, token);
    return;
  }
  const listed = current.split(",").some((part) =>
    part.trim().toLowerCase() === token.toLowerCase()
  );
  if (!listed) headers.set(name, `${current}, ${token}`);
}
