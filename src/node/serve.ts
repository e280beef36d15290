/**
 * @module serve — a web handler (`Request` → `Response`) behind Node's `http.createServer`, on loopback by default:
 * how the CLI serves the emulator over HTTP, and how a Node app mounts `tim-topics/callbacks`. Node only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface NodeListenerOptions {
  /** The largest request body read; a larger one is answered 413 and the connection closed. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
}

/**
 * A `(req, res)` listener for `http.createServer` that runs `handler`. The body is read to `maxBodyBytes` and no
 * further, before the handler sees anything. In Express, mount it before any body parser, or behind one that keeps
 * the raw body: `req.rawBody` (e.g. `express.json({ verify })` storing it) or a Buffer or string `req.body`
 * (`express.raw()`); behind a parser that kept none it answers 500. The request's URL is its path and query on
 * `http://localhost`: the Host header is the client's to write, so it never becomes part of the URL (it stays in the
 * headers).
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>, { maxBodyBytes = 1024 * 1024 }: NodeListenerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  /** Answers 413, then drops the connection once the answer is out (what is still arriving is not read). */
  const tooLarge = (req: IncomingMessage, res: ServerResponse) => {
    res.on("finish", () => req.destroy());
    res.writeHead(413, { "content-type": "application/json", connection: "close" });
    res.end(JSON.stringify({ ActionStatus: "FAIL", ErrorCode: 1, ErrorInfo: "the body is too large" }));
  };
  return (req, res) => {
    const respond = async (body: Buffer) => {
      let target: URL;
      try {
        target = new URL(req.url ?? "/", "http://localhost");
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("the request target is not a URL");
        return;
      }
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
        const method = req.method ?? "GET";
        // Only the path and query of the request target: a Host such as `x?ClientIP=…&` or `evil#` cannot add to the
        // query or cut it off, and an absolute-form target cannot pick the origin.
        const request = new Request(`http://localhost${target.pathname}${target.search}`, {
          method,
          headers,
          ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
        });
        const response = await handler(request);
        const answer = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, { ...Object.fromEntries(response.headers), "content-length": answer.byteLength });
        res.end(answer);
      } catch {
        // A connection the handler drops (the emulator's "lost" faults) is dropped here too.
        req.socket.destroy();
      }
    };
    const parsed = req as IncomingMessage & { rawBody?: unknown; body?: unknown };
    const kept = parsed.rawBody ?? parsed.body;
    const keptBody = Buffer.isBuffer(kept) ? kept : typeof kept === "string" ? Buffer.from(kept) : undefined;
    // `req.complete` only says the parser has seen the whole message; the stream may still hold it unread (a listener
    // reached after an await). Only a body a parser kept, or a stream someone else began to read, skips reading: a
    // partly read stream would hand the handler a truncated body (a callback's Sign does not cover the body).
    if (keptBody) return keptBody.byteLength > maxBodyBytes ? tooLarge(req, res) : void respond(keptBody);
    if (req.readableEnded || req.readableDidRead) {
      res.writeHead(500, { "content-type": "text/plain" }).end("the body was read by another middleware and not kept raw: mount this route before body parsers");
      return;
    }
    if (Number(req.headers["content-length"]) > maxBodyBytes) return tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > maxBodyBytes) return; // answered already
      size += chunk.byteLength;
      if (size > maxBodyBytes) return tooLarge(req, res);
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size <= maxBodyBytes) void respond(Buffer.concat(chunks));
    });
  };
}

/** Serves `handler` on `host:port` (port 0: a free one); resolves with its URL once it listens. */
export async function serveFetch(
  handler: (request: Request) => Promise<Response>,
  { port = 0, host = "127.0.0.1", ...options }: { port?: number; host?: string } & NodeListenerOptions = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 5_000 }, toNodeListener(handler, options));
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
