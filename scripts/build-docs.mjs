#!/usr/bin/env node
/**
 * @module build-docs — renders openapi/openapi.yaml into one self-contained HTML page that works with the network off.
 *
 *   node scripts/build-docs.mjs [output.html]     default: docs/index.html
 *
 * 1. A docs copy of the spec is written to a temp dir: every error-code schema with `x-enum-*` / `x-retryable` arrays
 *    gets a Markdown table (code | name | 中文 | English | retry class) appended to its `description`, because Redoc
 *    does not render `x-*` keywords.
 *    The same copy says every UTF-8 byte limit in bytes: a schema with `x-maxBytes` loses its `maxLength` (Redoc would
 *    render it as "≤ N characters", the very mistake the SDK exists to prevent: 10 CJK characters are 30 bytes) and its
 *    description gains "at most N UTF-8 bytes" (for array items, the array's description too, as Redoc folds items
 *    away). And every operation gets Redoc `x-codeSamples`: the SDK call (`im.<operationId>({...})`, TypeScript) for
 *    each of its request examples, so the SDK call stands beside the REST body. New operations get theirs unasked.
 * 2. `redocly build-docs --inlineBundle` embeds the Redoc scripts instead of loading them from the Redocly CDN.
 * 3. The remote URLs left in the bundle (the "API docs by" logo, the CDN icon packs, the telemetry endpoint) are replaced
 *    by `data:,`, so the page never asks the network for anything; a failed logo load just hides the logo, as offline.
 *    Plain links (github.com, redocly.com…) stay: they are only followed when clicked.
 * 4. The prerendered markup links to history routes (`href="/topics"`, i.e. file:///topics), but the page hydrates with
 *    hash routing (`#/topics`), and React keeps the server's attributes: those hrefs are rewritten to hash routes.
 * 5. A font stack with CJK fonts (the spec's text is half Chinese) goes into the page's CSS variables: Redoc 3 takes
 *    no theme options, and every font of the page derives from `--font-family-base` / `--font-family-monospaced`.
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

/** The language of the SDK samples: the tab Redoc shows them under (`codeSamples.languages` in the Redoc options). */
export const SDK_SAMPLE_LANGUAGE = { key: "typescript", label: "TypeScript", lang: "typescript" };

/** Redoc options for the page (the `openapi:` section of a Redocly config). */
const redocOptions = {
  // Every component schema gets a page under "Schemas", so the error-code tables are reachable from the sidebar.
  schemaDefinitionsTagName: "Schemas",
  jsonSamplesExpandLevel: 3,
  layout: "stacked",
  // The SDK sample first (it is what this package is for), then the REST body; Redoc shows only listed languages.
  codeSamples: { languages: [SDK_SAMPLE_LANGUAGE, { key: "payload", label: "Payload", lang: "payload" }] },
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

/** Appends a paragraph to a schema's (Markdown) description. */
function appendDescription(schema, paragraph) {
  schema.description = schema.description ? `${schema.description.trimEnd()}\n\n${paragraph}\n` : `${paragraph}\n`;
}

/** What the docs say for `x-maxBytes: n`. */
export const byteLimitText = (n) => `**at most ${n} UTF-8 bytes** (a CJK character takes 3 bytes, an ASCII one 1)`;

/** A schema and every schema inside it (properties, items, compositions), each once. */
function* subschemas(schema, seen) {
  if (!schema || typeof schema !== "object" || Array.isArray(schema) || seen.has(schema)) return;
  seen.add(schema);
  yield schema;
  for (const child of Object.values(schema.properties ?? {})) yield* subschemas(child, seen);
  for (const key of ["items", "additionalProperties", "not"]) yield* subschemas(schema[key], seen);
  for (const key of ["allOf", "anyOf", "oneOf"]) for (const child of schema[key] ?? []) yield* subschemas(child, seen);
}

/** Every schema of the spec: components, and those inline in parameters, request bodies and responses. */
function* schemasIn(spec) {
  const seen = new Set();
  const roots = [...Object.values(spec.components?.schemas ?? {}), ...Object.values(spec.components?.parameters ?? {}).map((p) => p.schema)];
  for (const [, , operation] of operationsOf(spec)) {
    roots.push(...(operation.parameters ?? []).map((p) => p.schema));
    const bodies = [operation.requestBody, ...Object.values(operation.responses ?? {})];
    for (const body of bodies) for (const media of Object.values(body?.content ?? {})) roots.push(media.schema);
  }
  for (const root of roots) yield* subschemas(root, seen);
}

/** Byte limits in bytes: no `maxLength` where `x-maxBytes` is set, and the byte limit in the description. */
function sayByteLimits(spec) {
  for (const schema of schemasIn(spec)) {
    if (typeof schema["x-maxBytes"] === "number") {
      delete schema.maxLength;
      appendDescription(schema, `Length: ${byteLimitText(schema["x-maxBytes"])}.`);
    }
    const items = schema.items;
    if (items && typeof items["x-maxBytes"] === "number") appendDescription(schema, `Each item: ${byteLimitText(items["x-maxBytes"])}.`);
  }
}

/** `#/a/b` → the node it points at. */
function resolveRef(spec, node) {
  if (!node?.$ref) return node;
  if (!node.$ref.startsWith("#/")) throw new Error(`Only local $refs are supported in the docs build: ${node.$ref}`);
  return node.$ref
    .slice(2)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((at, key) => at?.[key], spec);
}

/** A JavaScript literal of a JSON value, indented like the SDK's own samples. */
export function jsLiteral(value, indent = "") {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const flat = `[${value.map((v) => jsLiteral(v, inner)).join(", ")}]`;
    if (!flat.includes("\n") && flat.length + indent.length <= 100) return flat;
    return `[\n${value.map((v) => `${inner}${jsLiteral(v, inner)},`).join("\n")}\n${indent}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${jsLiteral(v, inner)},`).join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The example value of an operation's query parameter `name` (e.g. `sdkappid`), if the spec gives one. */
function parameterExample(spec, operation, name) {
  const parameter = (operation.parameters ?? []).map((p) => resolveRef(spec, p)).find((p) => p?.name === name && p.in === "query");
  return parameter?.example ?? parameter?.schema?.example;
}

/**
 * The SDK sample of one operation (Redoc shows one sample per language and operation): the client, its sdkAppId and
 * identifier taken from the spec's query parameter examples, then `im.<operationId>(<example>)` for each request
 * example, in the spec's order, each under a comment with the example's name and summary.
 * @returns {{ lang: string, label: string, source: string }}
 */
export function sdkSample(spec, operation) {
  const media = resolveRef(spec, operation.requestBody)?.content?.["application/json"];
  const examples = Object.entries(media?.examples ?? {}).map(([name, example]) => [name, resolveRef(spec, example)]);
  if (examples.length === 0 && media?.example !== undefined) examples.push(["example", { value: media.example }]);
  if (examples.length === 0) throw new Error(`${operation.operationId} has no request example to build its SDK sample from`);
  const sdkAppId = parameterExample(spec, operation, "sdkappid") ?? 1400000000;
  const identifier = parameterExample(spec, operation, "identifier") ?? "administrator";
  const calls = examples.flatMap(([name, example]) => {
    const about = [example.summary, example.description].filter(Boolean).join(". ").replace(/\s*\n\s*/g, " ").trim();
    return ["", `// ${name}${about ? `: ${about}` : ""}`, `await im.${operation.operationId}(${jsLiteral(example.value)});`];
  });
  const source = [
    `import { createClient } from "tim-topics";`,
    ``,
    `const im = createClient({ sdkAppId: ${jsLiteral(sdkAppId)}, identifier: ${jsLiteral(identifier)}, secretKey: "YOUR_SECRET_KEY" });`,
    `// Each call resolves with the typed answer: IM's body as \`response\`, and \`meta\` (attempts, duration, redacted URL).`,
    ...calls,
  ].join("\n");
  return { lang: SDK_SAMPLE_LANGUAGE.label, label: SDK_SAMPLE_LANGUAGE.label, source };
}

/** Every operation of the spec that has an operationId: `[path, method, operation]`. */
export function operationsOf(spec) {
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  return Object.entries(spec.paths ?? {}).flatMap(([route, item]) =>
    methods.filter((m) => item?.[m]?.operationId).map((m) => [route, m, item[m]]),
  );
}

/** The spec as the docs show it: error-code tables, byte limits in bytes, and an SDK sample on every operation. */
export function docsSpec(spec) {
  const copy = structuredClone(spec);
  for (const schema of Object.values(copy.components?.schemas ?? {})) {
    const table = errorCodeTable(schema);
    if (table) appendDescription(schema, table);
  }
  sayByteLimits(copy);
  for (const [, , operation] of operationsOf(copy)) {
    operation["x-codeSamples"] = [...(operation["x-codeSamples"] ?? []), sdkSample(copy, operation)];
  }
  return copy;
}

/**
 * Fonts with Chinese glyphs next in line after the Latin ones, so the Chinese text uses the first CJK font the reader's
 * machine has (every desktop OS ships one of these). A machine with no CJK font at all still shows boxes: the page
 * embeds no font of its own (a subset of the spec's glyphs would add ~1 MB to an offline page).
 */
export const FONT_STACK = {
  base: [
    "system-ui", "-apple-system", "BlinkMacSystemFont", "'Segoe UI'", "Roboto", "'Helvetica Neue'", "Arial",
    "'Noto Sans CJK SC'", "'Source Han Sans SC'", "'PingFang SC'", "'Hiragino Sans GB'", "'Microsoft YaHei'", "'WenQuanYi Micro Hei'",
    "sans-serif",
  ],
  monospaced: [
    "ui-monospace", "Menlo", "Monaco", "'Cascadia Mono'", "'Segoe UI Mono'", "'Roboto Mono'", "'Courier New'",
    "'Noto Sans Mono CJK SC'", "'Noto Sans CJK SC'", "'Source Han Sans SC'", "'PingFang SC'", "'Microsoft YaHei'",
    "monospace",
  ],
};

/**
 * Sets the font stack through Redoc 3's CSS variables. `html:root` outranks Redoc's own `:root` rule, wherever the
 * style tags end up after hydration.
 */
function setFonts(html) {
  const at = html.indexOf("</head>");
  if (at < 0) throw new Error("No </head> in the Redoc output: check the build-docs template.");
  const css = `html:root { --font-family-base: ${FONT_STACK.base.join(", ")}; --font-family-monospaced: ${FONT_STACK.monospaced.join(", ")}; }`;
  return `${html.slice(0, at)}<style id="tim-topics-fonts">${css}</style>\n${html.slice(at)}`;
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

async function main(output) {
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
    const html = setFonts(hashRoutePrerenderedLinks(neutraliseRemoteAssets(await readFile(rawHtml, "utf8"))));
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, html);
    console.log(`wrote ${output} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, no remote assets)`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(path.resolve(process.argv[2] ?? path.join(root, "docs/index.html")));
}
