/**
 * @module
 * Adding and removing headers of a response that may have immutable headers
 * (Deno makes `Response.redirect()` and fetched responses immutable): mutate
 * in place when allowed, otherwise copy once.
 */

/** How to treat a header the response already has. */
export type HeaderMode = "override" | "keep";

/** Options for {@linkcode applyHeaders}. */
export interface ApplyHeadersOptions {
  /** `keep` leaves headers the response already set (default), `override` replaces them. */
  mode?: HeaderMode;
  /** Header names to delete (none of them among `entries`). */
  remove?: readonly string[];
}

/**
 * Returns `response` with `entries` applied and `options.remove` deleted,
 * copying it only if its headers are immutable.
 */
export function applyHeaders(
  response: Response,
  entries: readonly (readonly [string, string])[],
  options: ApplyHeadersOptions = {},
): Response {
  const { mode = "keep", remove = [] } = options;
  if (entries.length === 0 && remove.length === 0) return response;
  let target = response;
  try {
    editAll(target.headers, entries, mode, remove);
  } catch {
    target = new Response(response.body, response);
    editAll(target.headers, entries, mode, remove);
  }
  return target;
}

function editAll(
  headers: Headers,
  entries: readonly (readonly [string, string])[],
  mode: HeaderMode,
  remove: readonly string[],
): void {
  for (const [name, value] of entries) {
    if (mode === "keep" && headers.has(name)) continue;
    headers.set(name, value);
  }
  for (const name of remove) headers.delete(name);
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
