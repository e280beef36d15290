/**
 * tim-topics/node: the Node adapter that serves a web handler (the emulator in the CLI, a callback handler in an
 * app). Bodies are capped before the handler sees them, and a body an earlier middleware read is taken raw.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveFetch, toNodeListener } from "../src/node/serve.js";

/** Echoes what the handler received. */
const echo = async (request: Request) => Response.json({ method: request.method, bytes: (await request.arrayBuffer()).byteLength, path: new URL(request.url).pathname });

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function serve(handler = echo, maxBodyBytes = 1000) {
  const served = await serveFetch(handler, { maxBodyBytes });
  closers.push(served.close);
  return served.url;
}
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
/** A chunked POST (no Content-Length), written in pieces, so only the streaming cap can stop it. */
function chunkedPost(url: string, pieces: number, pieceBytes: number): Promise<{ status: number; handlerSaw: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, handlerSaw: text.includes("bytes") }));
    });
    req.on("error", reject);
    let sent = 0;
    const write = () => {
      while (sent < pieces) {
        sent++;
        if (!req.write(Buffer.alloc(pieceBytes, 120))) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

/** Sends `head` (request line and headers) as it is, then `body`, and resolves with the raw answer ("" if dropped). */
function rawRequest(url: string, head: string, body = ""): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}
/** The JSON body of a raw answer. */
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as unknown;

describe("toNodeListener / serveFetch", () => {
  it("passes method, path and body through, and answers with the handler's response", async () => {
    const url = await serve();
    const response = await fetch(`${url}/v4/x`, { method: "POST", body: "x".repeat(1000) });
    expect(await response.json()).toEqual({ method: "POST", bytes: 1000, path: "/v4/x" });
  });

  it("answers 413 for a declared Content-Length over maxBodyBytes, without calling the handler", async () => {
    let called = false;
    const url = await serve(async (r) => ((called = true), echo(r)));
    const response = await fetch(url, { method: "POST", body: "x".repeat(1001) });
    expect(response.status).toBe(413);
    expect(called).toBe(false);
  });

  it("answers 413 for a chunked body that grows past maxBodyBytes, without calling the handler", async () => {
    let called = false;
    const url = await serve(async (r) => ((called = true), echo(r)));
    const answer = await chunkedPost(url, 50, 100);
    expect(answer.status).toBe(413);
    expect(answer.handlerSaw).toBe(false);
    expect(called).toBe(false);
    // Under the cap, the same chunked request goes through.
    expect(await chunkedPost(url, 5, 100)).toEqual({ status: 200, handlerSaw: true });
  });

  it("behind a body parser, uses the raw body it kept (req.rawBody or a Buffer/string req.body), and caps that too", async () => {
    const listener = toNodeListener(echo, { maxBodyBytes: 1000 });
    const kept: ((raw: Buffer) => Record<string, unknown>)[] = [
      (raw) => ({ rawBody: raw }),
      // express.json({ verify: (req, res, buf) => (req.rawBody = buf) }): the parsed body beside the raw one
      (raw) => ({ rawBody: raw, body: { parsed: true } }),
      (raw) => ({ body: raw }), // express.raw()
      (raw) => ({ body: raw.toString() }), // express.text()
    ];
    for (const keep of kept) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => listener(Object.assign(req, keep(Buffer.concat(chunks))) as IncomingMessage, res));
      });
      const url = await listen(server);
      expect(await (await fetch(url, { method: "POST", body: "y".repeat(700) })).json()).toMatchObject({ bytes: 700 });
      expect((await fetch(url, { method: "POST", body: "y".repeat(1001) })).status).toBe(413);
    }
  });

  it("reads the stream when the listener is reached late (the whole message already parsed, nothing read yet)", async () => {
    const listener = toNodeListener(echo);
    let completeBeforeListener = false;
    const server = createServer((req, res) => {
      // An app that awaits something (auth, a lookup) before handing over: by then the parser has the whole small body.
      setTimeout(() => {
        completeBeforeListener = req.complete;
        listener(req, res);
      }, 30);
    });
    const url = await listen(server);
    const response = await fetch(url, { method: "POST", body: "z".repeat(300) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ bytes: 300 });
    expect(completeBeforeListener).toBe(true); // the case the old `req.complete` check answered 500
  });

  it("a stream another middleware began to read is not handed on truncated: 500, the handler not called", async () => {
    let called = false;
    const listener = toNodeListener(async (r) => ((called = true), echo(r)));
    const server = createServer((req, res) => {
      req.once("data", () => {
        req.pause();
        listener(req, res); // reached with part of the body already taken
      });
    });
    const url = await listen(server);
    const response = await chunkedPost(url, 4, 100);
    expect(response.status).toBe(500);
    expect(called).toBe(false);
  });

  it("behind a parser that kept no raw body, says so (500) instead of handing the handler an empty body", async () => {
    const listener = toNodeListener(echo);
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => listener(Object.assign(req, { body: { parsed: true } }) as IncomingMessage, res));
    });
    const url = await listen(server);
    const response = await fetch(url, { method: "POST", body: "{}" });
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/before body parsers/);
  });

  describe("the handler's URL is the request target's path and query, whatever the Host header says", () => {
    /** Echoes the URL the handler was given. */
    const urlEcho = async (request: Request) => Response.json({ url: request.url, host: request.headers.get("host") });

    it.each([
      ["evil#", "a fragment mark that would cut the query off"],
      ["x?ClientIP=6.6.6.6&", "a query that would be put before the real one"],
      ["app.example/other/path?", "a path that would be put before the real one"],
      ["[", "not a host at all (new Request would throw, and the connection was dropped)"],
    ])("Host: %s (%s)", async (host) => {
      const url = await serve(urlEcho);
      const answer = await rawRequest(url, `POST /im?SdkAppid=1&CallbackCommand=Group.CallbackAfterCreateTopic HTTP/1.1\r\nHost: ${host}`);
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(bodyOf(answer)).toEqual({ url: "http://localhost/im?SdkAppid=1&CallbackCommand=Group.CallbackAfterCreateTopic", host });
    });

    it("an absolute-form target keeps only its path and query (not its origin)", async () => {
      const url = await serve(urlEcho);
      const answer = await rawRequest(url, "POST http://evil.example:8443/im?ClientIP=1.2.3.4 HTTP/1.1\r\nHost: app.example");
      expect(bodyOf(answer)).toMatchObject({ url: "http://localhost/im?ClientIP=1.2.3.4" });
    });

    it("a target that is no URL is answered 400, the handler not called, instead of a dropped connection", async () => {
      let called = false;
      const url = await serve(async (r) => ((called = true), urlEcho(r)));
      const answer = await rawRequest(url, "POST http://[ HTTP/1.1\r\nHost: app.example");
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(called).toBe(false);
    });

    it("a signed callback still verifies behind a hostile Host (the query reaches the handler whole)", async () => {
      const { createCallbackHandler, signCallback } = await import("../src/callbacks/index.js");
      const seen: (string | undefined)[] = [];
      const handler = createCallbackHandler({ sdkAppId: 1400000000, token: "t", on: { afterTopicDestroyed: (_, context) => void seen.push(context.clientIP) } });
      const url = await serve(handler, 1024 * 1024);
      const signed = await signCallback({ token: "t", sdkAppId: 1400000000, command: "Group.CallbackAfterTopicDestroyed", body: { GroupId: "g", Type: "Community", TopicIdList: ["t1"] }, clientIP: "10.0.0.1" });
      const { pathname, search } = new URL(signed.url);
      const full = await rawRequest(url, `POST ${pathname}${search} HTTP/1.1\r\nHost: x?ClientIP=6.6.6.6&\r\nContent-Type: application/json`, await signed.text());
      expect(bodyOf(full)).toEqual({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" });
      expect(seen).toEqual(["10.0.0.1"]);
    });
  });
});
