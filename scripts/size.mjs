/**
 * @module size — `npm run size`: the size budget of the browser/edge bundle.
 *
 * Bundles what a browser or edge app would ship when it uses the whole client (createClient, genUserSig,
 * verifyUserSig, validation, the error classes and openapi-fetch), the way an app bundler does: esbuild, ESM,
 * minified, tree-shaken, code-split, from the built dist/ through the package's `exports`. Gzips at level 9, reports
 * the initial load against the target, and fails (exit 1) when it grows past the enforced ceiling; lazy
 * chunks (dynamic `import()`) are reported beside it. Also prints genUserSig alone, the largest inputs, each part of
 * the whole client bundled alone, and a bare client on the same parts (bench/size-bare-client.mjs) for reference.
 *
 * Flags: --no-build (reuse dist/), --json (machine-readable output), --verbose (every input of the initial load).
 */
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { build, distEntry, root } from "./build.mjs";

/** The target for the whole client with every operation: 11 500 B min+gzip. Reported, not enforced (README "Size"). */
const targetBytes = 11_500;
/**
 * The enforced ceiling: the target plus 3 % (the initial load as last reviewed is 11 491 B), so growth past it fails
 * the build and has to be looked at. One way to grow it by ~750 B at once: a lazy chunk (dynamic `import()`) that
 * statically imports any module of the initial load, which makes esbuild move those modules into a chunk of their
 * own, a second initial file gzipped apart (why the UserSig signer and verifier, the rate limiter and the read-back
 * import nothing of the client at run time).
 */
const budgetBytes = 11_845;

/**
 * The package's other runtime-neutral entries, each bundled alone (everything it exports) and bounded by its own
 * ceiling: they must not weigh on the client's entry, and each has a budget of its own.
 */
const entries = {
  // Its own entry for an app's callback route: no client. Its first load (the checks a request must pass before any
  // body is read) within the 3 kB the callbacks issue set; the body reader, validator and dispatch load with the first
  // request that passes them, and are bounded too.
  "tim-topics/callbacks": { file: "dist/src/callbacks/index.js", ceilingBytes: 3_072, totalCeilingBytes: 5_600 },
  // Test code: the emulator with the rules and the UserSig verifier; the error meanings (its ErrorInfo texts) load
  // with its first call, as the client loads them with its first error.
  "tim-topics/testing": { file: "dist/src/testing/index.js", ceilingBytes: 8_500, totalCeilingBytes: 15_700 },
};

const argv = process.argv.slice(2);
if (!argv.includes("--no-build")) build({ quiet: argv.includes("--json") });
/** Every runtime export of the main entry: what an app that uses the whole client ships. */
const publicNames = Object.keys(await import(pathToFileURL(distEntry).href)).sort();

/**
 * Minified ESM bundle of `export { …names } from "tim-topics"`, code-split as an app bundler does (Vite/Rollup/webpack
 * put a dynamic `import()` in its own chunk). `initial` is what loading the SDK fetches: the entry chunk plus the
 * chunks it imports statically. `lazy` is what only a later dynamic `import()` fetches (e.g. the error meanings,
 * loaded when a TimApiError is built). Each file is gzipped on its own, as it is served.
 */
async function measure(names, extra = "", from = "tim-topics") {
  const contents = `${names.length ? `export { ${names.join(", ")} } from "${from}";` : ""}${extra}`;
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, sourcefile: "entry.js", loader: "js" },
    alias: { "tim-topics": distEntry, ...Object.fromEntries(Object.entries(entries).map(([name, e]) => [name, path.join(root, e.file)])) },
    bundle: true,
    splitting: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    outdir: path.join(root, ".size-out"),
    entryNames: "entry",
    logLevel: "silent",
  });
  const bytesOf = new Map(result.outputFiles.map((f) => [path.relative(root, f.path), f.contents]));
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint !== undefined);
  const initialFiles = new Set();
  const visit = (file) => {
    if (initialFiles.has(file)) return;
    initialFiles.add(file);
    for (const imported of outputs[file].imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  const sizeOf = (files) => {
    const list = [...files];
    return {
      files: list.length,
      minified: list.reduce((sum, f) => sum + bytesOf.get(f).length, 0),
      gzip: list.reduce((sum, f) => sum + gzipSync(bytesOf.get(f), { level: 9 }).length, 0),
      brotli: list.reduce((sum, f) => sum + brotliCompressSync(bytesOf.get(f), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0),
    };
  };
  const inputsOf = (files) =>
    [...files]
      .flatMap((f) => Object.entries(outputs[f].inputs))
      .map(([file, { bytesInOutput }]) => ({ file: file.replace(/^.*node_modules\//, "node_modules/"), bytes: bytesInOutput }))
      .filter((i) => i.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes);
  // Chunks the initial files can `import()` later. (esbuild also emits chunks for dynamic imports whose importer was
  // tree-shaken away; nothing can fetch those, so they are not counted.)
  const lazyFiles = new Set();
  const visitLazy = (file) => {
    for (const imported of outputs[file].imports) {
      if (initialFiles.has(imported.path) || lazyFiles.has(imported.path) || imported.external) continue;
      lazyFiles.add(imported.path);
      visitLazy(imported.path);
    }
  };
  for (const file of initialFiles) visitLazy(file);
  return { initial: { ...sizeOf(initialFiles), inputs: inputsOf(initialFiles) }, lazy: { ...sizeOf(lazyFiles), inputs: inputsOf(lazyFiles) } };
}

const kB = (bytes) => `${(bytes / 1024).toFixed(2)} kB`;

async function main() {
  const whole = await measure(publicNames);
  const others = {};
  for (const [name, entry] of Object.entries(entries)) {
    const names = Object.keys(await import(pathToFileURL(path.join(root, entry.file)).href)).sort();
    const measured = await measure(names, "", name);
    // An entry of its own must not load the client.
    const total = measured.initial.gzip + measured.lazy.gzip;
    others[name] = {
      ...measured,
      names,
      ceilingBytes: entry.ceilingBytes,
      totalCeilingBytes: entry.totalCeilingBytes,
      total,
      ok: measured.initial.gzip <= entry.ceilingBytes && total <= entry.totalCeilingBytes,
      loadsClient: [...measured.initial.inputs, ...measured.lazy.inputs].some((i) => i.file === "dist/src/client.js"),
    };
  }
  const signer = await measure(["genUserSig"]);
  // What the whole client is made of, each bundled alone, and the parts without createClient (so without options,
  // credentials and the retry loop): the floor under any client built from them.
  const errorNames = publicNames.filter((n) => n.startsWith("Tim"));
  // What the client takes from openapi-fetch: its URL and header builders (its whole `createClient` is 2.6 kB).
  const openapiFetch = `export { createFinalURL, mergeHeaders } from "openapi-fetch";`;
  const parts = {
    "openapi-fetch's builders": await measure([], openapiFetch),
    genUserSig: signer,
    validateRequest: await measure(["validateRequest"]),
    "error classes": await measure(errorNames),
    "all four together (no createClient)": await measure(["genUserSig", "validateRequest", ...errorNames], openapiFetch),
  };
  const bare = await measure(errorNames, `export * from "./bench/size-bare-client.mjs";`);
  const clientOk = whole.initial.gzip <= budgetBytes;
  const ok = clientOk && Object.values(others).every((o) => o.ok && !o.loadsClient);

  if (argv.includes("--json")) {
    console.log(JSON.stringify({ targetBytes, budgetBytes, ok, whole, entries: others, genUserSig: signer, parts, bareClient: bare }, null, 2));
  } else {
    const line = (m) => `min ${kB(m.minified)} · min+gzip(9) ${m.gzip} B = ${kB(m.gzip)} · min+brotli ${kB(m.brotli)}`;
    const top = (m) => m.inputs.slice(0, 6).map((i) => `${i.file} ${i.bytes}`).join(", ");
    console.log(`whole client (${publicNames.length} exports; esbuild --bundle --splitting --minify --format=esm --platform=browser):`);
    console.log(`  initial load (${whole.initial.files} file${whole.initial.files === 1 ? "" : "s"}): ${line(whole.initial)}`);
    const target = whole.initial.gzip <= targetBytes;
    console.log(`  target ${targetBytes} B: ${target ? "met" : `MISSED by ${whole.initial.gzip - targetBytes} B`}`);
    console.log(`  enforced ceiling ${budgetBytes} B min+gzip for the initial load: ${clientOk ? "OK" : "OVER"} (${clientOk ? `${budgetBytes - whole.initial.gzip} B to spare` : `${whole.initial.gzip - budgetBytes} B over`})`);
    console.log(`  largest inputs (minified bytes): ${top(whole.initial)}`);
    if (argv.includes("--verbose")) for (const i of whole.initial.inputs) console.log(`    ${String(i.bytes).padStart(6)}  ${i.file}`);
    if (whole.lazy.files) console.log(`  lazy chunks, fetched on first use (${whole.lazy.files}): ${line(whole.lazy)} — ${top(whole.lazy)}`);
    console.log(`  everything, initial + lazy: min+gzip ${whole.initial.gzip + whole.lazy.gzip} B`);
    console.log(`genUserSig alone: ${line(signer.initial)}${signer.lazy.files ? ` (+ lazy ${signer.lazy.gzip} B)` : ""}`);
    console.log("parts, each bundled alone (initial load, min+gzip):");
    for (const [name, m] of Object.entries(parts)) console.log(`  ${String(m.initial.gzip).padStart(6)} B  ${name}`);
    const floor = parts["all four together (no createClient)"].initial.gzip;
    console.log(`  ${String(whole.initial.gzip - floor).padStart(6)} B  createClient on top (options, credentials, transport, retry policy; the rate limiter and the read-back load on first use)`);
    console.log(`  the parts without createClient leave ${targetBytes - floor} B of the ${targetBytes} B target for createClient`);
    console.log(`  ${String(bare.initial.gzip).padStart(6)} B  a bare client on the same parts (bench/size-bare-client.mjs: sign, validate, POST, TimApiError; nothing else)`);
    console.log("other entries, each bundled alone (all their exports):");
    for (const [name, o] of Object.entries(others)) {
      console.log(
        `  ${name} (${o.names.length} exports): initial ${line(o.initial)}${o.lazy.files ? ` (+ lazy ${o.lazy.gzip} B)` : ""}; ceilings ${o.ceilingBytes} B initial, ${o.totalCeilingBytes} B with lazy (${o.total} B): ${o.ok ? "OK" : "OVER"}${o.loadsClient ? "; LOADS THE CLIENT" : ""}`,
      );
    }
  }
  if (whole.initial.gzip > budgetBytes) {
    console.error(`size: the whole client's initial load is ${whole.initial.gzip} B min+gzip, over the ${budgetBytes} B ceiling`);
    process.exitCode = 1;
  }
  for (const [name, o] of Object.entries(others)) {
    if (!o.ok) console.error(`size: ${name} is ${o.initial.gzip} B min+gzip (${o.total} B with its lazy chunks), over its ceilings (${o.ceilingBytes} B, ${o.totalCeilingBytes} B)`);
    if (o.loadsClient) console.error(`size: ${name} pulls in the client (dist/src/client.js)`);
    if (!o.ok || o.loadsClient) process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});
