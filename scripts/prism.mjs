/**
 * @module prism — starts the pinned Prism mock of openapi/openapi.yaml on a free 127.0.0.1 port and stops it.
 * Used by the vitest global setup, `npm run demo`, the runtime matrix and the benchmarks, so there is one way to do it.
 * Readiness is an HTTP probe (any HTTP answer), not a log grep.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prismBin = path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js");

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ port?: number, timeoutMs?: number, errors?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void>, log: () => string }>}
 */
export async function startPrism({ port, timeoutMs = 30_000, errors = true } = {}) {
  const chosen = port ?? (await freePort());
  const args = [prismBin, "mock", "-h", "127.0.0.1", "-p", String(chosen), ...(errors ? ["--errors"] : []), path.join(root, "openapi/openapi.yaml")];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, NODE_ENV: "development" } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${chosen}`;

  const stop = () =>
    new Promise((resolve) => {
      if (exited) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid, "SIGTERM"); // the whole process group
      } catch {
        child.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 3000).unref();
    });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Prism exited before it was ready:\n${output}`);
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(1000) });
      return { url, port: chosen, stop, log: () => output };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`Prism did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
}
