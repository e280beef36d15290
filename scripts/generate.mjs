#!/usr/bin/env node
/**
 * @module generate — derives everything in generated/ from openapi/openapi.yaml.
 *
 *   node scripts/generate.mjs           write generated/
 *   node scripts/generate.mjs --check   exit 1 if generated/ differs from what the spec produces (CI drift check)
 *
 * Outputs (data only; src/ gives them their types):
 *   schema.ts         request/response types (openapi-typescript, with `@maxBytes` JSDoc)
 *   operations.ts     the operation table: path, rate limit, idempotency, per-item results, policies
 *   request-rules.ts  per operation, the body rules src/validate.ts enforces (any keyword it would not enforce fails here)
 *   error-codes.ts    every documented code with its meanings (loaded lazily by the client)
 *   retry-codes.ts    per operation, the codes of each retry class
 *   hosts.ts          region → primary and backup origins
 *   callbacks.ts      the topic callbacks (x-webhooks): handler name, kind, body rules
 */
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { listOperations, loadSpec, root } from "./lib/spec.mjs";
import { callbackTable, rejectionCodes, renderCallbacks } from "./generate/callbacks.mjs";
import { errorCodeRows, renderErrorCodes, renderRetryCodes, retryCodes } from "./generate/errors.mjs";
import { regionHosts, renderHosts } from "./generate/hosts.mjs";
import { operationTable, renderOperations } from "./generate/operations.mjs";
import { HEADER, literal } from "./generate/render.mjs";
import { objectRule } from "./generate/rules.mjs";
import { renderTypes } from "./generate/types.mjs";

const outDir = path.join(root, "generated");
const spec = loadSpec();
const entries = listOperations(spec);
const operationIds = entries.map((e) => e.operationId);

const table = operationTable(spec, entries);
const requestRules = Object.fromEntries(entries.map((e) => [e.operationId, objectRule(spec, e.request.schema, e.operationId)]));
const rows = errorCodeRows(spec, operationIds);

const outputs = {
  "schema.ts": await renderTypes(spec),
  "operations.ts": renderOperations(table, entries),
  "request-rules.ts": `${HEADER}
/** Per operation, the rules of its request body (src/validate.ts enforces every one of them). */
export const requestRules = ${literal(requestRules)} as const;
`,
  "error-codes.ts": renderErrorCodes(rows),
  "retry-codes.ts": renderRetryCodes(retryCodes(rows, operationIds)),
  "hosts.ts": renderHosts(regionHosts(spec)),
  "callbacks.ts": renderCallbacks(callbackTable(spec), rejectionCodes(spec)),
};

const existing = (await readdir(outDir).catch(() => [])).filter((name) => name.endsWith(".ts"));
const strays = existing.filter((name) => !(name in outputs));
if (process.argv.includes("--check")) {
  const stale = [];
  for (const [name, content] of Object.entries(outputs)) {
    const current = await readFile(path.join(outDir, name), "utf8").catch(() => null);
    if (current !== content) stale.push(name);
  }
  if (stale.length || strays.length) {
    console.error(`generated/ is stale (${[...stale, ...strays.map((s) => `${s} (no longer generated)`)].join(", ")}): run \`npm run generate\` and commit the result.`);
    process.exit(1);
  }
  console.log(`generated/ is up to date with the spec (${Object.keys(outputs).length} files).`);
} else {
  await mkdir(outDir, { recursive: true });
  for (const name of strays) await rm(path.join(outDir, name));
  for (const [name, content] of Object.entries(outputs)) await writeFile(path.join(outDir, name), content);
  console.log(`wrote ${Object.keys(outputs).map((n) => `generated/${n}`).join(", ")}${strays.length ? `; removed ${strays.join(", ")}` : ""}`);
}
