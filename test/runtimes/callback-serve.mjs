/**
 * @module callback-serve — serves callback-app.mjs on 127.0.0.1 in a server runtime process, with that runtime's own
 * server: Deno.serve, Bun.serve, or Node's http through `toNodeListener` (tim-topics/node). Prints a marker line with
 * the port, then serves until killed.
 */
import * as callbacks from "tim-topics/callbacks";
import { callbackApp } from "./callback-app.mjs";

const app = callbackApp(callbacks);
const marker = "##tim-topics-callbacks ";
if (globalThis.Deno) {
  globalThis.Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(marker + port) }, app);
} else if (globalThis.Bun) {
  const server = globalThis.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app });
  console.log(marker + server.port);
} else {
  const { toNodeListener } = await import("tim-topics/node");
  const { createServer } = await import("node:http");
  const server = createServer(toNodeListener(app));
  server.listen(0, "127.0.0.1", () => console.log(marker + server.address().port));
}
