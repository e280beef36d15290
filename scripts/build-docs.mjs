#!/usr/bin/env node
/**
 * @module build-docs — renders openapi/openapi.yaml into one self-contained HTML page that works with the network off.
 *
 *   node scripts/build-docs.mjs [output.html]     default: docs/index.html
 *
 * 1. A docs copy of the spec is written to a temp dir: every error-code schema with `x-enum-*` / `x-retryable` arrays
 *    gets a Markdown table (code | name | 中文 | English | retry class) appended to its `description`, because Redoc
 *    does not render `x-*` keywords.
 * 2. `redocly build-docs --inlineBundle` embeds the Redoc scripts instead of loading them from the Redocly CDN.
 * 3. The remote URLs left in the bundle (the "API docs by" logo, the CDN icon packs, the telemetry endpoint) are replaced
 *    by `data:,`, so the page never asks the network for anything; a failed logo load just hides the logo, as offline.
 *    Plain links (github.com, redocly.com…) stay: they are only followed when clicked.
 * 4. The prerendered markup links to history routes (`href="/topics"`, i.e. file:///topics), but the page hydrates with
 *    hash routing (`#/topics`), and React keeps the server's attributes: those hrefs are rewritten to hash routes.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const specPath = path.join(root, "openapi/openapi.yaml");
const redoclyBin = path.join(root, "node_modules/@redocly/cli/bin/cli.js");
const output = path.resolve(process.argv[2] ?? path.join(root, "docs/index.html"));

/** Redoc options for the page (the `openapi:` section of a Redocly config). */
const redocOptions = {
  // Every component schema gets a page under "Schemas", so the error-code tables are reachable from the sidebar.
  schemaDefinitionsTagName: "Schemas",
  jsonSamplesExpandLevel: 3,
  layout: "stacked",
};

/** Remote asset URLs known to be in the Redoc 3 bundle; each is neutralised, and the build fails if it is not found. */
const REMOTE_ASSETS = [
  "https://cdn.redoc.ly/redoc/logo-mini-full.svg",
  "https://cdn.redoc.ly/redoc/logo-mini.svg",
  "https://cdn.redocly.com/icons/fa/7.0.0",
  "https://cdn.redocly.com/icons/code/5.24.0",
  // Telemetry is off in the options (`disableTelemetry`), but the endpoint stays in the bundle; neutralise it too.
  "https://otel.cloud.redocly.com/v1/traces",
];
/** Hosts that must not appear anywhere in the output once the known assets are replaced. */
const FORBIDDEN_HOSTS = /https?:\/\/(?:cdn\.redoc\.ly|cdn\.redocly\.com|otel\.cloud\.redocly\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|unpkg\.com|cdn\.jsdelivr\.net)/g;

const ENUM_ARRAYS = ["x-enum-varnames", "x-enum-descriptions-zh", "x-enum-descriptions", "x-retryable"];

/** A Markdown table cell: pipes would split the cell and newlines would end the row. */
const cell = (value) => String(value).replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/** The error-code table of one schema, or undefined when the schema does not carry the full enum metadata. */
function errorCodeTable(schema) {
  if (!Array.isArray(schema.enum) || !ENUM_ARRAYS.every((key) => Array.isArray(schema[key]))) return undefined;
  const [names, zh, en, retry] = ENUM_ARRAYS.map((key) => schema[key]);
  const rows = schema.enum.map((code, i) => `| ${[code, names[i], zh[i], en[i], retry[i]].map(cell).join(" | ")} |`);
  return ["| code | name | 中文 | English | retry class |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

/** The spec with every error-code table appended to its schema's description. */
function docsSpec(spec) {
  const copy = structuredClone(spec);
  for (const schema of Object.values(copy.components?.schemas ?? {})) {
    const table = errorCodeTable(schema);
    if (table) schema.description = `${(schema.description ?? "").trimEnd()}\n\n${table}\n`;
  }
  return copy;
}

/** Rewrites the prerendered links (`href="/x"`, not `//host`) to the hash routes the hydrated page uses. */
function hashRoutePrerenderedLinks(html) {
  const start = html.indexOf('<div id="redoc">');
  const end = html.indexOf('<script type="module">', start);
  if (start < 0 || end < 0) throw new Error("Prerendered Redoc markup not found: check the build-docs template.");
  return html.slice(0, start) + html.slice(start, end).replace(/href="\/(?!\/)/g, 'href="#/') + html.slice(end);
}

/** Replaces the known remote asset URLs, then refuses any output that still names a CDN or font host. */
function neutraliseRemoteAssets(html) {
  let result = html;
  for (const url of REMOTE_ASSETS) {
    if (!result.includes(url)) throw new Error(`Expected ${url} in the Redoc bundle: check what the new Redoc version loads.`);
    result = result.split(url).join("data:,");
  }
  const left = [...new Set(result.match(FORBIDDEN_HOSTS) ?? [])];
  if (left.length) throw new Error(`The docs still reference remote assets: ${left.join(", ")}`);
  return result;
}

async function main() {
  const workDir = await mkdtemp(path.join(tmpdir(), "tim-docs-"));
  try {
    const spec = docsSpec(parse(await readFile(specPath, "utf8")));
    await writeFile(path.join(workDir, "openapi.yaml"), stringify(spec, { lineWidth: 0 }));
    // An own config, so the project's lint plugins and cwd do not matter here.
    await writeFile(path.join(workDir, "redocly.yaml"), stringify({ telemetry: "off", openapi: redocOptions }));
    const rawHtml = path.join(workDir, "index.html");
    await promisify(execFile)(
      process.execPath,
      [redoclyBin, "build-docs", path.join(workDir, "openapi.yaml"), "--inlineBundle", "-o", rawHtml, "--config", path.join(workDir, "redocly.yaml")],
      { cwd: workDir, env: { ...process.env, REDOCLY_TELEMETRY: "off", NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 },
    );
    const html = hashRoutePrerenderedLinks(neutraliseRemoteAssets(await readFile(rawHtml, "utf8")));
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, html);
    console.log(`wrote ${output} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, no remote assets)`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
