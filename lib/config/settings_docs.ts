/**
 * @module
 * Documentation of every setting — name, type, default, description, what is
 * allowed, its `BERTH_*` variable, whether it is a path or a secret — read
 * from the settings' JSON Schema (see `json_schema.ts`). The help, `berth
 * check`, the loader (variable names, path resolution, merging) and the flags
 * all list settings through {@linkcode describeSettings}.
 */

import { describeAllowed, type SchemaNode, settingsSchemaNode } from "./json_schema.ts";

/** Prefix of every environment variable berth reads. */
export const ENV_PREFIX = "BERTH_";

/** Whole names (any case) whose values are never printed. */
const SECRET_WORD_REGEXP =
  /^(?:key|secret|password|passphrase|token|authorization|proxy-authorization|cookie|set-cookie)s?$/i;
/** Name endings that mark a secret: `jwtSecret`, `api_key`, `X-Api-Key`. */
const SECRET_SUFFIX_REGEXP =
  /(?:[a-z0-9](?:Key|Secret|Password|Passphrase|Token)|[_-](?:[Kk]ey|[Ss]ecret|[Pp]assword|[Pp]assphrase|[Tt]oken))s?$/;

/** How a setting is parsed from text (environment variables). */
export type SettingKind = "string" | "boolean" | "number" | "enum" | "list" | "map";

/** Documentation of one setting, for help text, docs and `berth check`. */
export interface SettingDoc {
  /** Config file key; nested settings use dots, e.g. `limits.maxUrlLength`. */
  name: string;
  /** Human-readable type, e.g. `integer 0..65535` or `"pretty" | "json"`. */
  type: string;
  /** How the value is read from an environment variable. */
  kind: SettingKind;
  /** Default value, or `undefined` when the setting is unset by default. */
  default: unknown;
  /** One-line description. */
  description: string;
  /** Phrase completing "<value> is not …" in error messages. */
  allowed: string;
  /** The `BERTH_*` variable that sets it, or `null` if none does. */
  env: string | null;
  /** Whether the value is a file path (resolved against the config file). */
  path: boolean;
  /** Whether the value must never be printed. */
  secret: boolean;
  /** Whether a path setting may also hold a URL, which is not resolved. */
  url?: boolean;
  /** Smallest allowed number, for number settings with a minimum. */
  min?: number;
  /** Largest allowed number, for number settings with a maximum. */
  max?: number;
}

/** {@linkcode describeSettings}'s result, computed once: the schema does not change at runtime. */
let settingDocs: readonly SettingDoc[] | undefined;

/** Lists every setting (nested groups flattened to dotted names), in declaration order. */
export function describeSettings(): SettingDoc[] {
  settingDocs ??= listSettingDocs();
  return [...settingDocs];
}

/**
 * Whether a setting (or header) with this name holds a secret: `key`,
 * `jwtSecret`, `users.password`, `X-Api-Key`, `Authorization`, `Cookie`.
 */
export function isSecretName(name: string): boolean {
  const last = name.split(".").at(-1) ?? name;
  return SECRET_WORD_REGEXP.test(last) || SECRET_SUFFIX_REGEXP.test(last);
}

/** The environment variable for a setting: `limits.maxUrlLength` → `BERTH_LIMITS_MAX_URL_LENGTH`. */
export function toEnvName(name: string): string {
  return ENV_PREFIX + name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replaceAll(".", "_")
    .toUpperCase();
}

function listSettingDocs(): SettingDoc[] {
  const docs: SettingDoc[] = [];
  // Groups (`auth.jwt.secretEnv`) flatten to their leaves at any depth; a
  // record (`headers`) has no properties and is one setting.
  const visit = (name: string, node: SchemaNode) => {
    if (node.properties === undefined) {
      docs.push(describeSetting(name, node));
      return;
    }
    for (const [childName, child] of Object.entries(node.properties)) {
      visit(`${name}.${childName}`, child);
    }
  };
  for (const [name, node] of Object.entries(settingsSchemaNode().properties ?? {})) {
    visit(name, node);
  }
  return docs;
}

function describeSetting(name: string, node: SchemaNode): SettingDoc {
  const kind = kindOf(node);
  const isPath = node.path === true;
  return {
    name,
    type: isPath ? "path" : describeType(node),
    kind,
    default: structuredClone(node.default),
    description: node.description ?? "",
    allowed: describeAllowed(node),
    env: kind === "map" ? null : toEnvName(name),
    path: isPath,
    ...(node.url === true ? { url: true } : {}),
    secret: node.secret === true || isSecretName(name),
    ...(node.minimum !== undefined && kind === "number" ? { min: node.minimum } : {}),
    ...(node.maximum !== undefined && kind === "number" ? { max: node.maximum } : {}),
  };
}

function kindOf(node: SchemaNode): SettingKind {
  if (node.enum !== undefined) return "enum";
  switch (node.type) {
    case "boolean":
      return "boolean";
    case "integer":
    case "number":
      return "number";
    case "array":
      return "list";
    case "object":
      return "map";
    default:
      return "string";
  }
}

function describeType(node: SchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((option) => JSON.stringify(option)).join(" | ");
  if (node.anyOf !== undefined) return node.anyOf.map(describeType).join(" | ");
  switch (node.type) {
    case "integer":
    case "number": {
      const { minimum: min, maximum: max } = node;
      if (min !== undefined && max !== undefined) return `${node.type} ${min}..${max}`;
      if (min !== undefined) return `${node.type} >= ${min}`;
      return node.type;
    }
    case "array":
      return `${node.items === undefined ? "unknown" : describeType(node.items)}[]`;
    case "object":
      return node.properties !== undefined || typeof node.additionalProperties !== "object"
        ? "object"
        : `object of ${describeType(node.additionalProperties)}`;
    default:
      return node.type ?? "unknown";
  }
}
