/**
 * @module build — `npm run build`: a clean `tsc` into dist/ (dist/src/*.js + .d.ts, dist/generated/*.js): the
 * runtime-neutral entries with tsconfig.json (no Node types), then the Node-only src/node/ with tsconfig.node.json.
 * ESM only, exactly what tsc emits: no bundling, so the published files map one-to-one onto src/ and generated/.
 * Imported by the size, package and runtime scripts so each of them checks a fresh build, never a stale dist/.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const distEntry = path.join(root, "dist/src/index.js");

/** Removes dist/ (so deleted sources leave no stale output) and runs tsc. Throws with tsc's output on failure. */
export function build({ quiet = false } = {}) {
  const started = performance.now();
  rmSync(path.join(root, "dist"), { recursive: true, force: true });
  // Resolved as Node resolves it, so a TypeScript hoisted above the package (a workspace, a git dependency's install) is found.
  const tsc = createRequire(path.join(root, "package.json")).resolve("typescript/bin/tsc");
  for (const config of ["tsconfig.json", "tsconfig.node.json"]) {
    const result = spawnSync(process.execPath, [tsc, "-p", config], { cwd: root, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`tsc -p ${config} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  const ms = Math.round(performance.now() - started);
  if (!quiet) console.log(`build: tsc -p tsconfig.json, tsconfig.node.json → dist/ in ${ms} ms`);
  return ms;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
