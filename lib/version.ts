/**
 * @module
 * Version and build facts shown by `berth --version` and the startup log.
 */

import denoJson from "../deno.json" with { type: "json" };

/** berth's own version, from deno.json. */
export const BERTH_VERSION: string = denoJson.version;
