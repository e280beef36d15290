/**
 * @module bench/lib/build — builds the package the way it ships (tsc → JS) into bench/.out/dist, measures cold import
 * time in fresh Node processes, and measures min+gzip bundle sizes with esbuild.
 *
 * The build goes to bench/.out/dist rather than dist/ so a benchmark run never races a `tsc` someone else runs into
 * dist/, and always measures the current src/. Declarations are not emitted (nothing reads them, and .d.ts files under
 * bench/ would be picked up by test/tsconfig.json).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync, constants as zlibConstants } from "node:zlib";
import { build } from "esbuild";
import { median } from "./timing.js";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const outDir = fileURLToPath(new URL("../.out/", import.meta.url));
export const distDir = `${outDir}dist/`;

export interface BuildResult {
  ok: boolean;
  ms: number;
  /** tsc's diagnostics (it still emits JS when the types have errors). */
  diagnostics: string;
}

export function buildPackage(): BuildResult {
  rmSync(distDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const tsc = spawnSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, "-p", `${root}tsconfig.json`, "--outDir", distDir, "--declaration", "false", "--noEmitOnError", "false"],
    { cwd: root, encoding: "utf8" },
  );
  return {
    ok: existsSync(`${distDir}src`),
    ms: performance.now() - t0,
    diagnostics: `${tsc.stdout ?? ""}${tsc.stderr ?? ""}`.trim(),
  };
}

/** The built module's file URL, or undefined when it was not built. */
export function builtModule(name: string): string | undefined {
  const file = `${distDir}src/${name}.js`;
  return existsSync(file) ? pathToFileURL(file).href : undefined;
}

export interface ImportTiming {
  /** median ms of `await import(package)` inside a fresh process, minus the same for an empty module */
  importMs: number;
  /** median wall ms of the whole `node` process importing the package, minus the same for an empty module */
  processMs: number;
  runs: number;
}

/**
 * Cold import: `runs` pairs of fresh `node --input-type=module -e …` processes, alternating an empty module and the
 * package. Each child times its own `import()` with performance.now(); the parent also times the whole process.
 */
export function coldImport(entryFile: string, runs: number): ImportTiming {
  const empty = `${outDir}empty.mjs`;
  writeFileSync(empty, "export {};\n");
  const script = (file: string) =>
    `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});` +
    `process.stdout.write(String(performance.now()-t));`;
  const once = (file: string) => {
    const t0 = performance.now();
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script(file)], { encoding: "utf8" });
    const wall = performance.now() - t0;
    if (child.status !== 0) throw new Error(`import of ${file} failed:\n${child.stderr}`);
    return { inner: Number(child.stdout), wall };
  };
  once(entryFile); // warm the OS file cache
  const base: { inner: number; wall: number }[] = [];
  const pkg: { inner: number; wall: number }[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      pkg.push(once(entryFile));
      base.push(once(empty));
    } else {
      base.push(once(empty));
      pkg.push(once(entryFile));
    }
  }
  return {
    importMs: median(pkg.map((r) => r.inner)) - median(base.map((r) => r.inner)),
    processMs: median(pkg.map((r) => r.wall)) - median(base.map((r) => r.wall)),
    runs,
  };
}

export interface BundleSize {
  /** What loading the module fetches: the entry chunk and the chunks it imports statically. */
  minBytes: number;
  gzipBytes: number;
  /** Chunks only a later dynamic `import()` fetches (e.g. the error-meaning table), gzipped each on its own. */
  lazyMinBytes: number;
  lazyGzipBytes: number;
}

/**
 * esbuild --bundle --minify --format=esm of `code` (an entry that re-exports what is measured), code-split the way an
 * app bundler treats a dynamic `import()`; each chunk gzipped at level 9 on its own.
 */
export async function bundleSize(code: string, name: string): Promise<BundleSize> {
  const out = `${outDir}bundle-${name}`;
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    stdin: { contents: code, resolveDir: `${root}bench`, sourcefile: `${name}.ts`, loader: "ts" },
    bundle: true,
    splitting: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: out,
    entryNames: "entry",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const relative = (file: string) => file.slice(file.indexOf("bench/.out/"));
  const contents = new Map(result.outputFiles.map((f) => [relative(f.path), f.contents]));
  const entry = Object.keys(outputs).find((o) => outputs[o]!.entryPoint !== undefined)!;
  const initial = new Set<string>();
  const visit = (file: string) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const imported of outputs[file]!.imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  const size = (files: string[]) => ({
    min: files.reduce((sum, f) => sum + contents.get(relative(f))!.length, 0),
    gz: files.reduce((sum, f) => sum + gzipSync(contents.get(relative(f))!, { level: zlibConstants.Z_BEST_COMPRESSION }).length, 0),
  });
  const eager = size([...initial]);
  // Lazy: what dynamic imports reachable from the initial load pull in (esbuild also emits chunks for dynamic imports
  // of code that tree-shaking dropped; those are never loaded and are not counted).
  const lazyFiles = new Set<string>();
  const visitLazy = (file: string) => {
    for (const imported of outputs[file]!.imports) {
      if (initial.has(imported.path) || lazyFiles.has(imported.path) || !outputs[imported.path]) continue;
      if (imported.kind === "dynamic-import" || lazyFiles.has(file)) {
        lazyFiles.add(imported.path);
        visitLazy(imported.path);
      }
    }
  };
  for (const file of initial) visitLazy(file);
  const lazy = size([...lazyFiles]);
  mkdirSync(out, { recursive: true });
  for (const f of result.outputFiles) writeFileSync(`${out}/${f.path.split("/").pop()}`, f.contents);
  return { minBytes: eager.min, gzipBytes: eager.gz, lazyMinBytes: lazy.min, lazyGzipBytes: lazy.gz };
}
