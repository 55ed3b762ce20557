/**
 * @module
 * Reads only the rule settings (`headerRules`, `redirectRules`) from a config
 * file's text, validated with the same schema as at startup. Hot reload uses
 * it: rules change without a restart; every other setting needs one.
 */

import * as v from "valibot";
import { formatValue } from "../config/errors.ts";
import { parseJsonc } from "../config/jsonc.ts";
import { describeAllowed, findArrayForObject } from "../config/json_schema.ts";
import { SETTINGS_OBJECT_SCHEMA } from "../config/schema.ts";
import { CONFIG_RULE_KEYS, type ConfigRules } from "./site_rules.ts";

/**
 * Returns the rules in the config file text (defaults for absent keys).
 * @throws {Error} naming the file, the key and what is allowed.
 */
export function readConfigRules(text: string, display: string): ConfigRules {
  const raw = parseJsonc(text, display);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${display}: the config is not an object of settings`);
  }
  const values = raw as Record<string, unknown>;
  return {
    headerRules: readKey(values, CONFIG_RULE_KEYS.HEADERS, display) as ConfigRules["headerRules"],
    redirectRules: readKey(values, CONFIG_RULE_KEYS.REDIRECTS, display) as string[],
  };
}

/** Validates one rule setting like startup does, arrays given for objects included. */
function readKey(
  values: Record<string, unknown>,
  key: (typeof CONFIG_RULE_KEYS)[keyof typeof CONFIG_RULE_KEYS],
  display: string,
): unknown {
  const schema = SETTINGS_OBJECT_SCHEMA.entries[key];
  const value = Object.hasOwn(values, key) ? values[key] : undefined;
  const result = findArrayForObject(value, schema) === undefined
    ? v.safeParse(schema, value)
    : undefined;
  if (result?.success !== true) {
    throw new Error(
      `${display}: "${key}": ${formatValue(value)} is not ${describeAllowed(schema)}`,
    );
  }
  return result.output;
}
