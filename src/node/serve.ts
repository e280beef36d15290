/**
 * @module serve — a web handler (`Request` → `Response`) behind Node's `http.createServer`, on loopback by default:
 * how the CLI serves the emulator over HTTP. Node only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A `(req, res)` listener for `http.createServer` (and so Express or Fastify) that runs `handler`. */
export function toNodeListener(handler: (request: Request) => Promise<Response>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
        const method = req.method ?? "GET";
        const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
          method,
          headers,
          ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
        });
        const response = await handler(request);
        const body = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, { ...Object.fromEntries(response.headers), "content-length": body.byteLength });
        res.end(body);
      } catch {
        // A connection the handler drops (the emulator's "lost" faults) is dropped here too.
        req.socket.destroy();
      }
    });
  };
}

/** Serves `handler` on `host:port` (port 0: a free one); resolves with its URL once it listens. */
export async function serveFetch(handler: (request: Request) => Promise<Response>, { port = 0, host = "127.0.0.1" } = {}): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 5_000 }, toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
