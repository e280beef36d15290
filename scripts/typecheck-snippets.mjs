#!/usr/bin/env node
/**
 * @module typecheck-snippets — the TypeScript a user reads must compile: every ```ts (or ```typescript) block of
 * README.md, and every SDK sample on the docs page (scripts/build-docs.mjs's `x-codeSamples`).
 *
 *   node scripts/typecheck-snippets.mjs        prints `README.md:<line>:<column> TS<code> <message>` per error; exit 1
 *
 * How: tsc emits the SDK's declarations (what a consumer of the package sees) into a temp dir under .tmp/, then checks
 * each snippet as its own ES module, with `tim-topics` mapped to those declarations, under the strictest settings a
 * user might have: `strict`, `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess` (Node's types and the DOM's
 * are available, as in a Node or browser project). A snippet's file starts at its first line, so tsc's line numbers
 * map back onto README.md directly. test/snippets.test.ts runs this in `npm test`.
 *
 * Opting out: a README block directly preceded by the line `<!-- typecheck: skip (reason) -->` is not checked.
 * Use it only for code that cannot compile on its own (none does today).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

/** The marker that exempts the next block, with its reason. */
const SKIP_MARKER = /^<!--\s*typecheck:\s*skip\b\s*(.*?)\s*-->$/;
const TS_FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)(\s.*)?$/i;

/** The compiler options snippets are checked under. */
export const SNIPPET_COMPILER_OPTIONS = {
  target: "ES2022",
  lib: ["ES2022", "DOM", "DOM.Iterable"],
  module: "NodeNext",
  moduleResolution: "NodeNext",
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
};

/** Whether `line` closes a block opened by `fence`: the same character, at least as many, and nothing else. */
const closes = (line, fence) => new RegExp(`^\\s*\\${fence[0]}{${fence.length},}\\s*$`).test(line);

/**
 * The TypeScript blocks of a Markdown text: `{ line, code, skip }`, `line` being the 1-based line of the block's first
 * code line, `skip` the reason given by a skip marker on the line before the fence (undefined when checked).
 * @param {string} markdown
 */
export function extractTsBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = TS_FENCE.exec(lines[i]);
    if (!open) {
      // Skip over any other fenced block, so a ```ts inside it is not taken for one.
      const other = /^\s*(`{3,}|~{3,})/.exec(lines[i]);
      if (other) {
        const fence = other[1];
        for (i++; i < lines.length && !closes(lines[i], fence); i++);
      }
      continue;
    }
    const fence = open[2];
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !closes(lines[j], fence); j++) body.push(lines[j]);
    const marker = i > 0 ? SKIP_MARKER.exec(lines[i - 1].trim()) : null;
    blocks.push({ line: i + 2, code: body.join("\n"), skip: marker ? marker[1] || "(no reason given)" : undefined });
    i = j;
  }
  return blocks;
}

/**
 * Type-checks snippets `{ file, line, code }` (`file` names where they come from, `line` where their first line is)
 * against the SDK's declarations. Resolves with the errors as `{ where, code, message }`, `where` being
 * `file:line:column` in the snippet's source.
 */
export async function typecheckSnippets(snippets) {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  // Inside the repository, so the declarations resolve openapi-fetch and @types/node from its node_modules.
  const dir = await mkdtemp(path.join(root, ".tmp", "snippets-"));
  try {
    const run = (args) =>
      promisify(execFile)(process.execPath, [tsc, ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
        () => "",
        (error) => `${error.stdout ?? ""}${error.stderr ?? ""}` || String(error),
      );
    // tsconfig.node.json covers every entry, the Node-only ones (src/node) included.
    const emitted = await run(["-p", "tsconfig.node.json", "--declaration", "--emitDeclarationOnly", "--noEmit", "false", "--outDir", path.join(dir, "types")]);
    if (emitted) throw new Error(`Could not emit the SDK's declarations:\n${emitted}`);

    const files = snippets.map((snippet, index) => ({ ...snippet, name: `snippet-${index}.ts` }));
    for (const { name, code } of files) await writeFile(path.join(dir, name), `${code}\nexport {};\n`);
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    // Every entry of package.json `exports` that has types, mapped to the declarations just emitted.
    const { exports } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
    const paths = {};
    for (const [subpath, target] of Object.entries(exports)) {
      if (typeof target !== "object" || !target.types) continue;
      paths[`tim-topics${subpath.slice(1)}`] = [`./types/${target.types.replace(/^\.\/dist\//, "")}`];
    }
    const compilerOptions = { ...SNIPPET_COMPILER_OPTIONS, paths };
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: files.map((f) => f.name) }, null, 2));
    const output = await run(["-p", path.join(dir, "tsconfig.json"), "--pretty", "false"]);

    const errors = [];
    for (const entry of output.split(/\r?\n(?=\S)/).filter(Boolean)) {
      const match = /^(.*?)\((\d+),(\d+)\): error (TS\d+): ([\s\S]*)$/.exec(entry.trim());
      const snippet = match && files.find((f) => path.resolve(root, match[1]) === path.join(dir, f.name));
      if (!match || !snippet) {
        errors.push({ where: "(tsc)", code: "", message: entry.trim() });
        continue;
      }
      errors.push({ where: `${snippet.file}:${snippet.line + Number(match[2]) - 1}:${match[3]}`, code: match[4], message: match[5].trim() });
    }
    return errors;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** README.md's blocks, ready for `typecheckSnippets`, and the ones a marker exempts. */
export async function readmeSnippets(readmePath = path.join(root, "README.md")) {
  const blocks = extractTsBlocks(await readFile(readmePath, "utf8"));
  const file = path.relative(root, readmePath);
  return {
    checked: blocks.filter((b) => b.skip === undefined).map((b) => ({ file, line: b.line, code: b.code })),
    skipped: blocks.filter((b) => b.skip !== undefined).map((b) => ({ file, line: b.line, reason: b.skip })),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { checked, skipped } = await readmeSnippets();
  for (const s of skipped) console.log(`${s.file}:${s.line} skipped: ${s.reason}`);
  const errors = await typecheckSnippets(checked);
  for (const e of errors) console.log(`${e.where} ${e.code} ${e.message}`);
  console.log(`${checked.length} README block(s) checked, ${errors.length} error(s)`);
  process.exitCode = errors.length ? 1 : 0;
}
