/**
 * @module
 * In-process test harness: builds berth's real pipeline over the fixture tree
 * and calls it with plain Requests, no sockets involved.
 */

import { createApp } from "../../lib/app.ts";
import { compileRuntime } from "../../lib/runtime.ts";
import type { Handler, RequestContext } from "../../lib/compose.ts";
import * as v from "valibot";
import { type Settings, SETTINGS_SCHEMA } from "../../lib/config/schema.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import { urlParts } from "../fixtures/context.ts";

/** Overrides applied on top of the default settings. */
export type SettingsOverrides = Partial<Settings>;

/**
 * Builds the app for `root` with `overrides`, validated by the settings
 * schema like a config file (defaults fill nested objects field by field),
 * so a test cannot build an app from settings berth would refuse.
 */
export async function buildApp(
  root: string,
  overrides: SettingsOverrides = {},
  tls = false,
): Promise<Handler> {
  const settings: Settings = v.parse(SETTINGS_SCHEMA, { ...overrides, root });
  return createApp(await compileRuntime(settings, { fs: denoFileSystem, root, tls }));
}

/** Sends `path` (a path plus optional query) through `app`. */
export async function send(app: Handler, path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`http://127.0.0.1:8000${path}`, init);
  const context: RequestContext = {
    ...urlParts(new URL(request.url)),
    requestId: "test",
    clientAddress: "127.0.0.1",
    startTime: performance.now(),
    secure: false,
    user: null,
  };
  return await app(request, context);
}

/** Sends a request and returns status, headers and the body as text. */
export async function sendText(
  app: Handler,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await send(app, path, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
}
