/**
 * @module
 * Version and build facts shown by `berth --version` and the startup log.
 */

import denoJson from "../deno.json" with { type: "json" };

/**
 * berth's own version, from deno.json.
 *
 * @example
 * ```ts
 * import { BERTH_VERSION } from "@berth/berth";
 * console.log(`serving with berth ${BERTH_VERSION}`);
 * ```
 */
export const BERTH_VERSION: string = denoJson.version;

/** How this berth process was built and started, as `--version` reports it. */
export type BuildMode =
  | "deno run"
  | "deno run with embedded site"
  | "compiled"
  | "compiled with embedded site";

/** Facts {@linkcode detectBuildMode} decides from. */
export interface BuildFacts {
  /** `Deno.build.standalone`: true inside a `deno compile` executable. */
  standalone: boolean;
  /** True when an embedded-site entry started the CLI. */
  embedded: boolean;
}

/** Names the build mode from the process's facts. */
export function detectBuildMode(facts: BuildFacts): BuildMode {
  if (facts.standalone) return facts.embedded ? "compiled with embedded site" : "compiled";
  return facts.embedded ? "deno run with embedded site" : "deno run";
}

/** True inside a `deno compile` executable. */
export function isStandalone(): boolean {
  return Deno.build.standalone === true;
}
