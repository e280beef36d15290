/**
 * @module tim-topics/testing/prism — a Prism mock of the packaged contract (`tim-topics/openapi.yaml`) for a user's
 * own tests, Node only. Prism is an optional peer dependency: the project that wants a mock installs it, and this
 * module finds that install (never the unrelated `prism` package that `npx prism` would fetch).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The contract this package ships, as a file path (what `tim-topics/openapi.yaml` resolves to). */
export const specPath = fileURLToPath(new URL("../../../openapi/openapi.yaml", import.meta.url));

/** The Prism version this package is tested with. */
export const PRISM_VERSION = "5.14.2";

/** Where `@stoplight/prism-cli`'s entry is, from `fromDir` (the project's directory), or why not. */
export function findPrism(fromDir = process.cwd()): { ok: true; bin: string } | { ok: false; message: string } {
  try {
    const require = createRequire(path.join(fromDir, "package.json"));
    const manifest = require.resolve("@stoplight/prism-cli/package.json");
    return { ok: true, bin: path.join(path.dirname(manifest), "dist/index.js") };
  } catch {
    return {
      ok: false,
      message: `Prism is not installed in ${fromDir}: run \`npm install --save-dev @stoplight/prism-cli@${PRISM_VERSION}\` (not \`npx prism\`, which is another package)`,
    };
  }
}

export interface PrismOptions {
  /** @default a free port */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Answer invalid requests with Prism's 422 report (`--errors`). @default true */
  errors?: boolean;
  /** Where to look for the Prism install. @default process.cwd() */
  fromDir?: string;
  /** How long to wait for Prism to answer. @default 30000 */
  timeoutMs?: number;
}

export interface RunningPrism {
  /** `http://host:port`: give it to `createClient({ baseUrl })`. */
  url: string;
  stop(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `prism mock` on the packaged spec and resolves once it answers HTTP. */
export async function startPrism(options: PrismOptions = {}): Promise<RunningPrism> {
  const found = findPrism(options.fromDir);
  if (!found.ok) throw new Error(found.message);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const args = [found.bin, "mock", "-h", host, "-p", String(port), ...(options.errors === false ? [] : ["--errors"]), specPath];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://${host}:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // gone already
        }
      }, 3000).unref();
    });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Prism exited before it was ready:\n${output}`);
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(1000) });
      return { url, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`Prism did not answer on ${url}:\n${output}`);
}
