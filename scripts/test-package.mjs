/**
 * @module test-package — `npm run test:package`: the package as users get it.
 *
 *  1. build dist/ fresh;
 *  2. package.json's repository/homepage/bugs/license agree with the spec's info.contact and info.license, and LICENSE
 *     is that license's text; publint --strict (warnings fail) and attw --pack --profile esm-only (the package is
 *     ESM only on purpose);
 *  3. npm pack into a temp dir, and check the tarball's file list (dist/ + package.json + README/LICENSE, no sources);
 *  4. a scratch project in a temp dir installs the tarball (offline from the npm cache; else from the registry; else
 *     unpacked, with openapi-fetch copied from this repo's node_modules and the bin linked as npm links it), then:
 *     - runs examples/node.mjs there, unchanged, against a Prism mock (createClient + createTopic + getTopic);
 *     - `require("tim-topics")` from CommonJS on the machine's Node and Node 22/24 (require(esm), Node ≥ 20.19);
 *     - type-checks test/runtimes/package/consumer.ts with tsc under moduleResolution nodenext and bundler,
 *       skipLibCheck off;
 *  5. the git route: the working tree's git-visible files (tracked + untracked, not ignored: what a push would carry)
 *     committed into a scratch repository, and an empty project runs
 *     `npm install --prefer-offline git+file://<that repo>`. npm clones it, installs its devDependencies, runs
 *     `prepare` (the build) and packs it, so this proves a git dependency builds itself; then `import("tim-topics")`
 *     signs and verifies a UserSig there, and the installed files must be the tarball's.
 * `npm pack` (here, in publint and in attw) runs with scripts off: `prepare` would rebuild the dist/ just checked.
 * Flags: --no-build, --keep (leave the temp dir and print it).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, root } from "./build.mjs";
import { nodeBinary } from "./node-versions.mjs";
import { startPrism } from "./prism.mjs";
import { parse as parseYaml } from "yaml";

const argv = process.argv.slice(2);
const bin = (relative) => path.join(root, relative);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const machineNode = process.execPath; // the machine's Node: no package links a `node` bin (see node-versions.mjs)
const nodes = {
  "machine Node": machineNode,
  "npm Node 22": nodeBinary(22),
  "npm Node 24": nodeBinary(24),
};
const pkg = JSON.parse(readFileSync(bin("package.json"), "utf8"));

const steps = [];
let failed = false;
async function step(name, body) {
  const started = performance.now();
  try {
    const note = await body();
    steps.push({ name, ok: true, ms: performance.now() - started, note });
    console.log(`✓ ${name}${note ? ` — ${note}` : ""} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed = true;
    steps.push({ name, ok: false, ms: performance.now() - started });
    console.log(`✗ ${name} (${Math.round(performance.now() - started)} ms)\n${indent(error.message ?? error)}`);
  }
}

/** Runs a command; throws with its output when it fails. Returns stdout. */
function exec(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: root, ...options, env: { ...process.env, NO_COLOR: "1", ...options.env } });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(" ")} exited ${result.status ?? result.signal}\n${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}`);
  }
  return result.stdout;
}

/** Environment for the commands that pack: no `prepare` (it would rebuild dist/ under the checks). */
const noScripts = { npm_config_ignore_scripts: "true" };

/**
 * A git repository in `dir` holding the working tree as git sees it (tracked and untracked files, ignored ones left
 * out), committed once: what `npm install git+…` of a pushed branch would clone, uncommitted edits included.
 */
function snapshotRepository(dir) {
  const files = exec("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0").filter(Boolean);
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    if (!existsSync(bin(file))) continue; // deleted in the working tree, not yet in the index
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(bin(file), path.join(dir, file));
  }
  const git = (...args) => exec("git", ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", ...args], { cwd: dir });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=test-package", "-c", "user.email=test-package@localhost", "commit", "-q", "-m", "snapshot of the working tree");
  return files.length;
}

/**
 * The git route: an empty project installs the snapshot repository as a git dependency. Resolves with the files of
 * the installed package, and how long the install took.
 */
async function installFromGit(temp) {
  const source = path.join(temp, "git-source");
  const consumer = path.join(temp, "git-consumer");
  const count = snapshotRepository(source);
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "tim-topics-git-consumer", private: true, type: "module" }, null, 2));
  const started = performance.now();
  await execAsync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", `git+file://${source}`], { cwd: consumer });
  const ms = performance.now() - started;
  const out = exec(
    machineNode,
    [
      "--input-type=module",
      "-e",
      `const { createClient, genUserSig, verifyUserSig } = await import(${JSON.stringify(pkg.name)});
       if (typeof createClient !== "function") throw new Error("createClient is not exported");
       const id = { sdkAppId: 1400000000, identifier: "administrator", secretKey: "git-install-check" };
       const check = await verifyUserSig(await genUserSig({ ...id, expireSeconds: 60 }), id);
       if (!check.ok) throw new Error("the UserSig did not verify: " + check.reason);
       console.log(import.meta.resolve(${JSON.stringify(pkg.name)}));`,
    ],
    { cwd: consumer },
  ).trim();
  const installed = path.join(consumer, "node_modules", pkg.name);
  if (!out.startsWith(pathToFileURL(installed).href + "/")) throw new Error(`tim-topics resolved to ${out}`);
  return { files: listFiles(installed), ms, count };
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir, prefix = "") {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, path.join(prefix, entry.name)) : [path.join(prefix, entry.name)]))
    .sort();
}

/** `exec`, without blocking: resolves with stdout, rejects with the output. */
function execAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, ...options, env: { ...process.env, NO_COLOR: "1", ...options.env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(command)} ${args.join(" ")} exited ${code}\n${out}`))));
  });
}

function indent(text) {
  return String(text).trim().split("\n").map((l) => `    ${l}`).join("\n");
}

async function main() {
  const temp = mkdtempSync(path.join(tmpdir(), "tim-topics-package-"));
  const prismPromise = startPrism(); // starts while the checks below run
  prismPromise.catch(() => {});
  let prism;
  try {
    if (!argv.includes("--no-build")) await step("build (tsc → dist/)", () => void build({ quiet: true }));

    await step("package.json metadata agrees with the spec (info.contact, info.license) and LICENSE", () => {
      const { info } = parseYaml(readFileSync(bin("openapi/openapi.yaml"), "utf8"));
      const home = info.contact.url.replace(/\/+$/, "");
      const repository = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url ?? "";
      const repositoryUrl = repository.replace(/^github:/, "https://github.com/").replace(/^git\+/, "").replace(/\.git$/, "");
      const wrong = [
        repositoryUrl !== home && `repository ${JSON.stringify(pkg.repository)} is not ${home}`,
        !String(pkg.homepage).startsWith(home) && `homepage ${pkg.homepage} is not under ${home}`,
        (pkg.bugs?.url ?? pkg.bugs) !== `${home}/issues` && `bugs should be ${home}/issues`,
        pkg.license !== info.license.name && `license ${pkg.license} is not the spec's ${info.license.name}`,
        !(existsSync(bin("LICENSE")) && readFileSync(bin("LICENSE"), "utf8").startsWith(`${info.license.name} License`)) && `LICENSE is not the ${info.license.name} text`,
        !(pkg.keywords?.length > 0) && "no keywords",
        !pkg.author && "no author",
      ].filter(Boolean);
      if (wrong.length) throw new Error(wrong.join("\n"));
      return `${repository}, ${pkg.license}`;
    });

    await step("publint --strict", () => {
      const out = exec(process.execPath, [bin("node_modules/publint/src/cli.js"), "run", ".", "--strict"], { env: noScripts });
      if (/suggestion|warning|error/i.test(out) && !/All good/i.test(out)) throw new Error(out);
      return out.trim().split("\n").pop();
    });

    await step("attw --pack . --profile esm-only", () => {
      // ./openapi.yaml is the contract (data), not a module: attw would report it as unresolvable.
      const out = exec(process.execPath, [bin("node_modules/@arethetypeswrong/cli/dist/index.js"), "--pack", ".", "--profile", "esm-only", "--format", "ascii", "--exclude-entrypoints", "./openapi.yaml"], { env: noScripts });
      // esm-only ignores node10 and node16-from-CJS (a `require` there needs Node's require(esm), checked below).
      const verdicts = out.split("\n").filter((l) => /^(node16 \(from ESM\)|bundler):/.test(l)).slice(0, 2);
      return verdicts.map((l) => l.trim()).join(", ");
    });

    let tarball;
    let tarballFiles = [];
    await step("npm pack (file list: dist/src, dist/generated, the contract, package.json, README/LICENSE only)", () => {
      const [info] = JSON.parse(exec(npm, ["pack", "--json", "--pack-destination", temp], { env: { ...noScripts, npm_config_loglevel: "error" } }));
      tarball = path.join(temp, info.filename);
      const files = info.files.map((f) => f.path);
      tarballFiles = files;
      const allowed = (f) => /^dist\/(src|generated)\/.+\.(js|d\.ts)$/.test(f) || /^(package\.json|README(\.md)?|LICENSE(\.md)?|openapi\/openapi\.yaml)$/i.test(f);
      const stray = files.filter((f) => !allowed(f));
      if (stray.length) throw new Error(`unexpected files in the tarball: ${stray.join(", ")}`);
      for (const needed of ["package.json", "dist/src/index.js", "dist/src/index.d.ts", "openapi/openapi.yaml"]) {
        if (!files.includes(needed)) throw new Error(`${needed} is missing from the tarball`);
      }
      return `${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`;
    });
    if (!tarball) throw new Error("no tarball; stopping");

    const scratch = path.join(temp, "consumer");
    mkdirSync(scratch);
    writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "tim-topics-consumer", private: true, type: "module" }, null, 2));

    await step("scratch project: npm install <tarball> (offline first)", () => {
      // Bounded: no registry must not cost minutes of npm's retries.
      const install = (mode) => exec(npm, ["install", mode, "--fetch-retries=0", "--fetch-timeout=15000", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", tarball], { cwd: scratch });
      try {
        install("--offline");
        return "from the tarball + the npm cache";
      } catch (offline) {
        // `npm ci` caches tarballs but not always the registry documents a range needs (a fresh machine): ask the registry.
        try {
          install("--prefer-offline");
          return `from the tarball + the registry (offline: ${String(offline.message).split("\n")[0]})`;
        } catch (error) {
          // No registry either: unpack the tarball, copy its runtime dependencies from this repo, link the bin as npm does.
          const modules = path.join(scratch, "node_modules");
          mkdirSync(path.join(modules, pkg.name), { recursive: true });
          execFileSync("tar", ["-xzf", tarball, "-C", path.join(modules, pkg.name), "--strip-components=1"]);
          for (const dep of ["openapi-fetch", "openapi-typescript-helpers"]) cpSync(bin(`node_modules/${dep}`), path.join(modules, dep), { recursive: true });
          mkdirSync(path.join(modules, ".bin"), { recursive: true });
          for (const [name, target] of Object.entries(pkg.bin ?? {})) {
            const file = path.join(modules, pkg.name, target);
            chmodSync(file, 0o755);
            const link = path.join(modules, ".bin", name);
            rmSync(link, { force: true }); // a failed install may have left one
            symlinkSync(path.relative(path.join(modules, ".bin"), file), link);
          }
          return `npm install failed (${String(error.message).split("\n")[0]}); unpacked the tarball, copied openapi-fetch + openapi-typescript-helpers, linked the bin`;
        }
      }
    });

    await step("installed tree: only tim-topics → openapi-fetch → openapi-typescript-helpers", () => {
      const installed = readFileSync(path.join(scratch, "node_modules", pkg.name, "package.json"), "utf8");
      if (JSON.parse(installed).version !== pkg.version) throw new Error("the installed tim-topics is not this version");
      const names = exec(npm, ["ls", "--all", "--parseable", "--loglevel=error"], { cwd: scratch })
        .trim()
        .split("\n")
        .slice(1)
        .map((p) => path.relative(path.join(scratch, "node_modules"), p))
        .sort();
      const expected = ["openapi-fetch", "openapi-typescript-helpers", pkg.name].sort();
      if (JSON.stringify(names) !== JSON.stringify(expected)) throw new Error(`installed: ${names.join(", ")}`);
      return names.join(", ");
    });

    prism = await prismPromise;
    await step("examples/node.mjs in the scratch project, against Prism", () => {
      cpSync(bin("examples/node.mjs"), path.join(scratch, "example.mjs"));
      const resolved = exec(machineNode, ["--input-type=module", "-e", `console.log(import.meta.resolve("${pkg.name}"))`], { cwd: scratch }).trim();
      if (!resolved.startsWith(`file://${path.join(scratch, "node_modules", pkg.name)}/`)) throw new Error(`tim-topics resolved to ${resolved}`);
      const out = exec(machineNode, ["example.mjs"], { cwd: scratch, env: { TIM_BASE_URL: prism.url } });
      for (const expected of ["created @TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_@TOPIC#cETE3HIM62CQ", "topic @TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_@TOPIC#cRTE3HIM62C5: TestTopicName"]) {
        if (!out.includes(expected)) throw new Error(`output lacks ${JSON.stringify(expected)}:\n${out}`);
      }
      return out.trim().split("\n")[0];
    });

    await step("every subpath of package.json exports loads in the scratch project (the emulator runs a lifecycle; the Prism helper says what to install)", () => {
      const subpaths = Object.keys(pkg.exports).filter((key) => key !== "." && key !== "./package.json");
      const script = `
        const pkg = ${JSON.stringify(pkg.name)};
        const seen = [];
        for (const subpath of ${JSON.stringify(subpaths)}) {
          const specifier = pkg + subpath.slice(1);
          if (subpath.endsWith(".yaml")) {
            const { readFileSync } = await import("node:fs");
            const text = readFileSync(new URL(import.meta.resolve(specifier)), "utf8");
            if (!text.startsWith("openapi: 3.")) throw new Error(specifier + " is not the contract");
            seen.push(specifier);
            continue;
          }
          const module = await import(specifier);
          if (Object.keys(module).length === 0) throw new Error(specifier + " exports nothing");
          seen.push(specifier + " (" + Object.keys(module).length + ")");
        }
        const { createClient } = await import(pkg);
        const { createEmulator } = await import(pkg + "/testing");
        const secretKey = "0123456789abcdef0123456789abcdef";
        const emu = createEmulator({ sdkAppId: 1400000000, secretKey });
        const im = createClient({ sdkAppId: 1400000000, identifier: "administrator", secretKey, baseUrl: "https://emulator.test", fetch: emu.fetch });
        const { TopicId } = await im.createTopic({ GroupId: "@TGS#_g", TopicName: "t" });
        const got = await im.getTopic({ GroupId: "@TGS#_g", From_Account: "administrator" });
        if (got.topics[0]?.TopicId !== TopicId) throw new Error("the emulator lost the topic");
        const { findPrism } = await import(pkg + "/testing/prism");
        const found = findPrism();
        if (found.ok || !found.message.includes("npm install --save-dev @stoplight/prism-cli")) throw new Error("findPrism: " + JSON.stringify(found));
        console.log(seen.join(", "));
      `;
      return exec(machineNode, ["--input-type=module", "-e", script], { cwd: scratch }).trim();
    });

    await step("npx tim-topics --help in the scratch project (the bin is linked and runs; a usage error exits 2)", async () => {
      const help = exec(npm, ["exec", "--offline", "--no", "--", "tim-topics", "--help"], { cwd: scratch });
      if (!help.includes("tim-topics <command>") || !help.includes("import")) throw new Error(`unexpected help:\n${help}`);
      const usage = spawnSync(npm, ["exec", "--offline", "--no", "--", "tim-topics", "create", "--nmae", "x"], { cwd: scratch, encoding: "utf8" });
      if (usage.status !== 2) throw new Error(`a usage error exited ${usage.status}, not 2`);
      return "help printed; a usage error exits 2";
    });

    await step("require('tim-topics') from CommonJS on the machine's Node and Node 22/24 (require(esm), Node ≥ 20.19)", () => {
      writeFileSync(
        path.join(scratch, "require.cjs"),
        `const sdk = require(${JSON.stringify(pkg.name)});\n` +
          `if (typeof sdk.createClient !== "function" || typeof sdk.genUserSig !== "function") throw new Error("missing exports");\n` +
          `console.log(process.version);\n`,
      );
      return Object.entries(nodes)
        .map(([name, node]) => `${name} ${exec(node, ["--no-warnings", "require.cjs"], { cwd: scratch }).trim()}`)
        .join(", ");
    });

    // Both typechecks at once (they are independent; this machine has 2 cores). skipDefaultLibCheck skips only
    // TypeScript's own lib.*.d.ts: the shipped .d.ts files and openapi-fetch's are still checked.
    cpSync(bin("test/runtimes/package/consumer.ts"), path.join(scratch, "consumer.ts"));
    const typechecks = [["nodenext", "nodenext"], ["bundler", "esnext"]].map(([resolution, moduleKind]) => {
      const config = path.join(scratch, `tsconfig.${resolution}.json`);
      const compilerOptions = { target: "es2022", module: moduleKind, moduleResolution: resolution, lib: ["es2022", "dom"], types: [], strict: true, skipLibCheck: false, skipDefaultLibCheck: true, noEmit: true };
      writeFileSync(config, JSON.stringify({ compilerOptions, files: ["consumer.ts"] }, null, 2));
      return { name: `tsc consumer.ts (module ${moduleKind}, moduleResolution ${resolution}, skipLibCheck false)`, run: execAsync(process.execPath, [bin("node_modules/typescript/bin/tsc"), "-p", config], { cwd: scratch }) };
    });
    for (const { name, run } of typechecks) await step(name, () => run.then(() => undefined));

    await step("git dependency: npm install git+file://<snapshot of the working tree> builds itself (prepare), then import(\"tim-topics\")", async () => {
      // The slowest step (npm installs the devDependencies before `prepare`); run beside the others it was no faster
      // on two cores.
      const { files, ms, count } = await installFromGit(temp);
      const expected = [...tarballFiles].sort();
      const missing = expected.filter((f) => !files.includes(f));
      const extra = files.filter((f) => !expected.includes(f));
      if (missing.length || extra.length) throw new Error(`the git install differs from the tarball: missing ${missing.join(", ") || "none"}; extra ${extra.join(", ") || "none"}`);
      return `${count} files committed; npm install (devDependencies, prepare, pack) took ${(ms / 1000).toFixed(1)} s; the same ${files.length} files as the tarball`;
    });
  } finally {
    await (prism ?? (await prismPromise.catch(() => undefined)))?.stop();
    if (argv.includes("--keep")) console.log(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true });
  }
  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  console.log(`\n${steps.filter((s) => s.ok).length}/${steps.length} package checks passed (${(total / 1000).toFixed(1)} s)`);
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});
