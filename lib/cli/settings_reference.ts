/**
 * @module
 * The reference of every setting — type, default, flag, `BERTH_*` variable,
 * description — rendered from `describeSettings()` as markdown. Two readers
 * share it, so they cannot disagree: docs/configuration.md (written by
 * `deno task docs`, scripts/generate_config_docs.ts) and `berth help config`.
 */

import { CONFIG_ENV_NAME } from "../config/load.ts";
import { describeSettings, type SettingDoc } from "../config/settings_docs.ts";
import { CLI_OPTIONS } from "./args.ts";

/** Where each setting comes from, and how a file nests them: the reference's two intro paragraphs. */
export function renderSettingsIntro(): string[] {
  return [
    "Each setting comes from the first of: a command-line flag, a `BERTH_*` environment variable, " +
    "the config file (`./berth.json` or `./berth.jsonc`, or `--config FILE` or " +
    `\`${CONFIG_ENV_NAME}\`), the default. Paths in the config file are relative to the file. ` +
    'Nested settings are objects in the file (`"limits": { "maxUrlLength": 4096 }`) and ' +
    "one variable each (`BERTH_LIMITS_MAX_URL_LENGTH`). `berth check` prints the effective " +
    "settings and where each came from.",
    "",
    'Editors complete and check the file with `"$schema": "./berth.schema.json"` (the file is at ' +
    "the root of berth's repository, written by `deno task schema`).",
  ];
}

/** One section per setting (a group of settings is a section with a subsection each). */
export function renderSettingsSections(): string[] {
  const lines: string[] = [];
  let group: string | undefined;
  for (const doc of describeSettings()) {
    const top = doc.name.includes(".") ? doc.name.split(".")[0] : undefined;
    if (top !== undefined && top !== group) lines.push("", `## \`${top}\``);
    group = top;
    const heading = top === undefined ? "##" : "###";
    lines.push("", `${heading} \`${doc.name}\``, "", doc.description, "", ...renderFacts(doc));
  }
  return lines;
}

function renderFacts(doc: SettingDoc): string[] {
  const facts = [`- Type: ${doc.type}`];
  if (doc.default !== undefined) facts.push(`- Default: \`${JSON.stringify(doc.default)}\``);
  const flags = CLI_OPTIONS.filter((option) => option.setting === doc.name).map((option) =>
    `\`--${option.name}${option.valueName?.startsWith("[=") ? option.valueName : ""}\``
  );
  if (doc.name === "root") flags.push("the `ROOT` argument");
  if (flags.length > 0) facts.push(`- Command line: ${flags.join(", ")}`);
  facts.push(`- Variable: ${doc.env === null ? "none (config file only)" : `\`${doc.env}\``}`);
  if (doc.path) facts.push("- A path: relative to the config file, or to the working directory");
  if (doc.secret) facts.push("- Secret: `berth check` never prints it");
  return facts;
}
