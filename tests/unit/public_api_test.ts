/**
 * What `lib/mod.ts` (the package's `.` export) offers at run time: the
 * handler, its errors and the version, nothing of the pipeline's internals.
 * The types it exports are checked by `deno doc --lint lib/mod.ts`.
 */

import assert from "node:assert/strict";
import * as berth from "../../lib/mod.ts";

Deno.test("`lib/mod.ts` exports only createHandler, its errors and BERTH_VERSION as values", () => {
  assert.deepEqual(Object.keys(berth).sort(), [
    "BERTH_VERSION",
    "ConfigError",
    "HttpError",
    "RulesError",
    "createHandler",
  ]);
  assert.match(berth.BERTH_VERSION, /^\d+\.\d+\.\d+/);
});
