/**
 * @module
 * The lines berth logs once at startup, in one place: which features are
 * on, the connection limits, the isolates, the site rules, access control
 * (plus the redacted audit summary), the SPA page check and the ready line.
 * The CLI logs them all; `createHandler` runs the SPA page check too, so an
 * embedder is warned about a missing page the same way. (The rules and cache
 * watchers log their own start and trouble where they run.)
 */

import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { describeSkippedSources } from "./config/discovery.ts";
import type { LoadedSettings } from "./config/load.ts";
import type { Settings } from "./config/schema.ts";
import { writeAuditEvent } from "./log/audit.ts";
import { LOG_CATEGORY } from "./log/setup.ts";
import type { Runtime } from "./runtime.ts";
import type { ConnectionBudget } from "./transport/fd_limit.ts";
import { BERTH_VERSION } from "./version.ts";

/** The logger of every startup line. */
function startupLogger() {
  return getLogger([...LOG_CATEGORY]);
}

function onOff(on: boolean): string {
  return on ? "on" : "off";
}

/**
 * Logs the root, the config file (and the sources not read for want of a
 * permission), one line of features that are on or off, then the config warnings. */
export function logFeatures(loaded: LoadedSettings, root: string, tls: boolean): void {
  const logger = startupLogger();
  const { settings } = loaded;
  logger.info("Serving {root}", { root });
  if (loaded.configFile !== null) {
    logger.info("Config file: {configFile}", { configFile: loaded.configFile });
  }
  const notRead = describeSkippedSources(loaded.skipped);
  if (notRead !== null) logger.info("{notRead}", { notRead });
  logger.info(
    "listing {listing}, dotfiles {dotfiles}, cors {cors}, tls {tls}, security headers {securityHeaders}",
    {
      listing: onOff(settings.listing),
      dotfiles: onOff(settings.dotfiles),
      cors: onOff(settings.cors),
      tls: onOff(tls),
      securityHeaders: onOff(settings.securityHeaders),
    },
  );
  if (settings.frozen) logger.info("frozen: changes on disk are not seen");
  for (const warning of loaded.warnings) logger.warn("{warning}", { warning });
}

/** Logs the connection limits in force and the timeouts. */
export function logConnectionLimits(budget: ConnectionBudget, limits: Settings["limits"]): void {
  startupLogger().info(
    "connections: at most {maxConnections} ({maxConnectionsPerClient} per client), {maxOpenResponses} responses sending at once; descriptor limit {fdLimit} ({source}); timeouts: head {headerTimeoutMs} ms, idle {idleTimeoutMs} ms, request {requestTimeoutMs} ms, send {sendTimeoutMs} ms",
    {
      ...budget,
      source: budget.source === "rlimit"
        ? "read at startup"
        : budget.source === "probed"
        ? "free descriptors counted at startup, at most 1024: grant --allow-run=sh to read the limit instead"
        : "assumed: grant --allow-run=sh so berth can read the real one, or set limits.maxConnections",
      headerTimeoutMs: limits.headerTimeoutMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs,
      sendTimeoutMs: limits.sendTimeoutMs,
    },
  );
}

/** Logs how many isolates (`--workers`) share the port. */
export function logIsolates(count: number, port: number): void {
  startupLogger().info("{count} isolates share port {port}", { count, port });
}

/**
 * Warns when the SPA page (`spa`) is not a file in the root: every
 * navigation would then get 404.
 */
export async function checkSpaPage(runtime: Runtime): Promise<void> {
  const { spa } = runtime.settings;
  if (spa === "") return;
  const page = await runtime.fs.stat(join(runtime.root, spa)).catch(() => null);
  if (page === null || !page.isFile) {
    startupLogger().warn(
      "The SPA page {spa} does not exist in the root: navigations will get 404",
      {
        spa,
      },
    );
  }
}

/**
 * Warns when `/` would answer 404: listing off, no SPA page, and none of the
 * index names is a file in the root. Said once at startup, so a first run on
 * a folder of files explains itself; the 404 page itself says nothing more.
 */
export async function checkRootAnswer(runtime: Runtime): Promise<void> {
  const { settings } = runtime;
  if (settings.listing || settings.spa !== "") return;
  for (const name of settings.index) {
    const page = await runtime.fs.stat(join(runtime.root, name)).catch(() => null);
    if (page !== null && page.isFile) return;
  }
  startupLogger().warn(
    "The root has no index file ({index}) and listing is off: / will answer 404; --listing would list the folder",
    { index: settings.index.length === 0 ? "none configured" : settings.index.join(", ") },
  );
}

/** Logs the site rules in force and the routing features. */
export function logSiteRules(runtime: Runtime): void {
  const { settings } = runtime;
  const rules = runtime.siteRules.get();
  startupLogger().info(
    "site rules: {headerRules} header, {redirectRules} redirect; spa {spa}, clean URLs {cleanUrls}, trailing slash {trailingSlash}, metrics {metrics}",
    {
      headerRules: rules.headers.length,
      redirectRules: rules.redirects.length,
      spa: settings.spa === "" ? "off" : settings.spa,
      cleanUrls: onOff(settings.cleanUrls),
      trailingSlash: settings.trailingSlash,
      metrics: settings.metrics ? `on (${settings.metricsAccess})` : "off",
    },
  );
}

/**
 * Logs one line saying whether access control and login are on (and why
 * login is off), the rate limit and proxy lines, then writes the redacted
 * startup summary to the audit log.
 */
export function announceAuth(runtime: Runtime): void {
  const logger = startupLogger();
  const { settings } = runtime;
  const auth = runtime.auth?.runtime ?? null;
  if (auth === null) {
    logger.info("access control off (no access rules, users or keys configured)");
  } else {
    const loginState = auth.login !== null
      ? `on at ${settings.internalPrefix}login${
        auth.ephemeralSecret ? " (in-memory key: sessions end when berth stops)" : ""
      }`
      : auth.users === null
      ? "off (no users file)"
      : "off (no HS256/384/512 secret to sign sessions; only public keys are configured)";
    logger.info(
      "access control on: {rules} access rule(s), credentials {methods}, login {login}",
      { rules: auth.rules.length, methods: auth.methods.join(", "), login: loginState },
    );
    for (const notice of auth.notices) logger.warn("{notice}", { notice });
  }
  logger.info("rate limit {rateLimit}, trust proxy {trustProxy}, audit log to {auditLog}", {
    rateLimit: settings.rateLimit.requestsPerSecond > 0
      ? `${settings.rateLimit.requestsPerSecond}/s per client (burst ${settings.rateLimit.burst})`
      : "off (login attempts are always limited)",
    trustProxy: onOff(settings.trustProxy),
    auditLog: settings.auditLog ?? "stderr",
  });
  writeAuditEvent({
    event: "startup",
    authMethods: auth?.methods ?? [],
    accessRules: auth?.rules.length ?? 0,
    login: (auth?.login ?? null) !== null,
    rateLimit: settings.rateLimit.requestsPerSecond,
  });
}

/** Logs the ready line scripts wait for: berth's version and the URL it answers on. */
export function logListening(url: string): void {
  startupLogger().info("berth {version} listening on {url}", { version: BERTH_VERSION, url });
}
