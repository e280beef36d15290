/**
 * @module bench/lib/server — starts bench/server.mjs in a worker thread and talks to it.
 */
import { Worker } from "node:worker_threads";

export interface ServerStats {
  /** Requests per command since the last `stats()`. */
  counts: Record<string, number>;
  /** Problems found in verify mode since the last `stats()`. */
  problems: string[];
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Switch full request checking (query, UserSig, JSON body) on or off. */
  setVerify(on: boolean): Promise<void>;
  /** Counts and problems since the previous call, which resets them. */
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

export async function startServer(config: {
  sdkAppId: number;
  identifier: string;
  secretKey: string;
  /** command (`create_topic`) → JSON body to answer with */
  answers: Record<string, unknown>;
}): Promise<LoopbackServer> {
  const answers = Object.fromEntries(Object.entries(config.answers).map(([k, v]) => [k, JSON.stringify(v)]));
  const worker = new Worker(new URL("../server.mjs", import.meta.url), { workerData: { ...config, answers } });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(message);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  const { port } = (await next("listening")) as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    async setVerify(on) {
      const done = next("ok");
      worker.postMessage({ type: "verify", on });
      await done;
    },
    async stats() {
      const done = next("stats");
      worker.postMessage({ type: "stats" });
      const { counts, problems } = (await done) as unknown as ServerStats;
      return { counts, problems };
    },
    async close() {
      const done = next("closed");
      worker.postMessage({ type: "close" });
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}
