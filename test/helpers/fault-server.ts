/**
 * @module fault-server — a real loopback `node:http` server that plays a script of per-request faults, records every
 * request, and keeps the topics it created, so tests can count attempts, check `random`, and prove no create ran twice.
 *
 * IM's side is the local emulator (src/testing): it keeps the topics and answers every operation as IM does, so
 * "ok" means a real answer of that operation. A call of an operation that is not safe to repeat (create, import) is
 * *applied* (and counted per TopicId or TopicName) whenever the server processed it: when it answers OK, when it
 * resets after reading the body, when it answers slowly, or when its 200 answer is garbled. It is not applied when
 * the connection is reset before the body is read, or when it answers a scripted IM error code or a non-200. A create
 * or import whose TopicId already exists is never applied again: the emulator answers the duplicate-ID code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { operationIds, type OperationId } from "../../generated/operations.js";
import { operationTable } from "../../src/operations.js";
import { createEmulator } from "../../src/testing/index.js";
import { ADMIN, GROUP, SDK_APP_ID, SECRET } from "./fixtures.js";

type Headers = Record<string, string>;

/** What the server does with one request. */
export type Behaviour =
  /** A well-formed IM success for the operation (create → TopicId; get → the stored topics). */
  | { kind: "ok"; headers?: Headers }
  /** HTTP 200 with a non-zero IM `ErrorCode`; nothing is applied. */
  | { kind: "im"; code: number; info?: string; headers?: Headers }
  /** Any status with any body (e.g. 502 with an HTML page that echoes the request URL, 429 with Retry-After). */
  | { kind: "http"; status: number; body?: string; contentType?: string; headers?: Headers }
  /** socket.destroy() on 'request', before the body is read: nothing is applied. */
  | { kind: "resetBeforeBody" }
  /** Reads the whole body, applies a create, then destroys the socket without answering. */
  | { kind: "resetAfterBody" }
  /** Applies a create at once but answers only after `ms` (with `then`, default ok), unless the client hangs up first. */
  | { kind: "delay"; ms: number; then?: Behaviour }
  /** HTTP 200 whose body is not JSON (an HTML page echoing the URL). The create was applied. */
  | { kind: "malformedJson" }
  /** HTTP 200, a complete HTTP message whose JSON is cut in the middle. The create was applied. */
  | { kind: "truncatedJson" }
  /** HTTP 200 promising a longer Content-Length, then the socket is destroyed mid-body. The create was applied. */
  | { kind: "dropMidBody" }
  /** These exact bytes with these headers (e.g. a gzip bomb with `content-encoding: gzip`). */
  | { kind: "bytes"; status?: number; headers?: Headers; body: Buffer }
  /** A 200 body of `totalBytes` written in `chunkBytes` pieces as fast as the client reads; `written` counts what left. */
  | { kind: "flood"; chunkBytes: number; totalBytes: number };

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  /** Arrival time, `performance.timeOrigin + performance.now()` (ms, sub-ms precision, comparable to Date.now()). */
  at: number;
  operation: OperationId | "unknown";
  path: string;
  /** The raw request target, query string included. */
  url: string;
  /** Query parameters, decoded. */
  query: Record<string, string>;
  random: string | undefined;
  usersig: string | undefined;
  /** The raw body text (undefined when reset before reading it). */
  bodyText?: string;
  /** The parsed JSON body. */
  body?: Record<string, unknown>;
  behaviour: Behaviour["kind"];
  /** What the server answered: an HTTP status, "reset" or "client-closed" (the client hung up before the answer). */
  outcome?: number | "reset" | "client-closed";
  /** The IM ErrorCode answered, if any. */
  code?: number;
  /** Body bytes written (for `flood`). */
  written?: number;
}

export interface StoredTopic {
  GroupId: string;
  TopicId: string;
  TopicName: string;
}

export type Script = Behaviour[] | ((request: RecordedRequest) => Behaviour);

export interface FaultServerOptions {
  /** Behaviours for requests 0, 1, 2, … (then `fallback`), or a function of each request. */
  script?: Script;
  /** What to do once an array script is used up. @default { kind: "ok" } */
  fallback?: Behaviour;
  /** Listen on this port (e.g. one a test closed before); @default an ephemeral port */
  port?: number;
}

export interface FaultServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Topics created so far, by TopicId. */
  topics: Map<string, StoredTopic>;
  /** How many times a create was applied, by TopicId (custom ID) or `name:<TopicName>` (no TopicId). */
  applied: Map<string, number>;
  /** Keys of `applied` with more than one application: a create that ran twice. Must stay empty. */
  duplicates(): string[];
  /** Every usersig the server saw. */
  usersigs(): string[];
  /** Replaces the script (the request index keeps counting). */
  setScript(script: Script, fallback?: Behaviour): void;
  /** Forgets the requests, the counts and IM's state (topics, calls), e.g. before measuring a client's heap. */
  forget(): void;
  /** Adds a topic as if created earlier (not counted in `applied`). */
  seed(topic: StoredTopic): Promise<void>;
  close(): Promise<void>;
}

/** Every server not yet closed, so a test file can close leftovers. */
const open = new Set<FaultServer>();

const operationByPath = new Map<string, OperationId>(
  operationIds.map((operation) => [operationTable[operation].path, operation]),
);

const json = (value: unknown) => JSON.stringify(value);

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  let script: Script = options.script ?? [];
  let fallback: Behaviour = options.fallback ?? { kind: "ok" };
  const requests: RecordedRequest[] = [];
  const applied = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<Socket>();
  // IM's side of every answer: the emulator keeps the topics and answers each operation as IM would. credentials are
  // not checked (tests script fake ones) nor rate limits (tests script those too).
  const emulator = createEmulator({
    sdkAppId: SDK_APP_ID,
    secretKey: SECRET,
    identifier: ADMIN,
    checkCredentials: false,
    rateLimit: false,
    // The tests' Community exists from the start, as it does in IM before any topic API is called: a get of every
    // topic of it answers an empty list, not "no such group".
    groups: { [GROUP]: true },
    // Load runs create thousands of topics in one group: IM's 200 per Community is the emulator's own concern.
    topicLimit: Number.MAX_SAFE_INTEGER,
  });

  const pick = (record: RecordedRequest): Behaviour =>
    typeof script === "function" ? script(record) : (script[record.index - firstIndex] ?? fallback);
  let firstIndex = 0;

  /**
   * Processes the request as IM would (the emulator), counting what it applied: a successful call of an operation
   * that is not safe to repeat, per TopicId (a custom ID) or `name:<TopicName>`. Resolves the answer's code and text.
   */
  const processed = async (record: RecordedRequest): Promise<{ code: number; text: string }> => {
    const response = await emulator.handle(new Request(`http://fault-server${record.url}`, { method: "POST", body: record.bodyText ?? "" }));
    const text = await response.text();
    const code = (JSON.parse(text) as { ErrorCode: number }).ErrorCode;
    if (code === 0 && record.operation !== "unknown" && operationTable[record.operation].idempotency !== "safe") {
      const body = (record.body ?? {}) as { TopicId?: unknown; TopicName?: unknown };
      const key = typeof body.TopicId === "string" ? body.TopicId : `name:${String(body.TopicName)}`;
      applied.set(key, (applied.get(key) ?? 0) + 1);
    }
    return { code, text };
  };

  const send = (res: ServerResponse, record: RecordedRequest, status: number, body: string, contentType: string, headers: Headers = {}) => {
    if (res.destroyed || res.socket?.destroyed) {
      record.outcome = "client-closed";
      return;
    }
    record.outcome = status;
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  const imBody = (code: number, info: string) => json({ ActionStatus: "FAIL", ErrorCode: code, ErrorInfo: info });

  const act = async (behaviour: Behaviour, record: RecordedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    switch (behaviour.kind) {
      case "ok": {
        const { code, text } = await processed(record);
        record.code = code;
        return send(res, record, 200, text, "application/json", behaviour.headers);
      }
      case "im":
        record.code = behaviour.code;
        return send(res, record, 200, imBody(behaviour.code, behaviour.info ?? `error ${behaviour.code}`), "application/json", behaviour.headers);
      case "http":
        return send(res, record, behaviour.status, behaviour.body ?? "", behaviour.contentType ?? "text/html", behaviour.headers);
      case "resetAfterBody":
        await processed(record);
        record.outcome = "reset";
        req.socket.destroy();
        return;
      case "delay": {
        const then: Behaviour = behaviour.then ?? { kind: "ok" };
        // Processed on arrival (IM finishes the work even if the client has gone); only the answer is late.
        const result = then.kind === "ok" ? await processed(record) : undefined;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!result) return void act(then, record, req, res);
          record.code = result.code;
          send(res, record, 200, result.text, "application/json", "headers" in then ? then.headers : undefined);
        }, behaviour.ms);
        timers.add(timer);
        res.on("close", () => {
          if (!res.writableEnded) {
            record.outcome = "client-closed";
            clearTimeout(timer);
            timers.delete(timer);
          }
        });
        return;
      }
      case "malformedJson": {
        await processed(record);
        return send(res, record, 200, `<html><body>Service temporarily unavailable: POST ${req.url}</body></html>`, "application/json");
      }
      case "truncatedJson": {
        const { text } = await processed(record);
        return send(res, record, 200, text.slice(0, Math.floor(text.length / 2)), "application/json");
      }
      case "dropMidBody": {
        const { text } = await processed(record);
        record.outcome = "reset";
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
        return;
      }
      case "bytes":
        record.outcome = behaviour.status ?? 200;
        res.writeHead(behaviour.status ?? 200, { "content-length": behaviour.body.byteLength, ...behaviour.headers });
        res.end(behaviour.body);
        return;
      case "flood": {
        record.outcome = 200;
        record.written = 0;
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(behaviour.chunkBytes, 0x20);
        const pump = () => {
          while (record.written! < behaviour.totalBytes && !res.destroyed) {
            record.written! += chunk.byteLength;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          if (!res.destroyed) res.end();
        };
        res.on("close", () => {
          if (!res.writableFinished) record.outcome = "client-closed";
        });
        pump();
        return;
      }
      case "resetBeforeBody":
        throw new Error("handled on arrival");
    }
  };

  const server: Server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = {
      index: requests.length,
      at: performance.timeOrigin + performance.now(),
      operation: operationByPath.get(url.pathname) ?? "unknown",
      path: url.pathname,
      url: req.url ?? "",
      query,
      random: query.random,
      usersig: query.usersig,
      behaviour: "ok",
    };
    requests.push(record);
    // An array script is read on arrival (so it can reset before the body); a function script sees the body first.
    const scripted = typeof script === "function" ? undefined : pick(record);
    if (scripted?.kind === "resetBeforeBody") {
      record.behaviour = "resetBeforeBody";
      record.outcome = "reset";
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      record.bodyText = Buffer.concat(chunks).toString("utf8");
      try {
        record.body = JSON.parse(record.bodyText) as Record<string, unknown>;
      } catch {
        // left undefined: the client sent something that is not JSON
      }
      const behaviour = scripted ?? pick(record);
      record.behaviour = behaviour.kind;
      if (behaviour.kind === "resetBeforeBody") {
        record.outcome = "reset";
        req.socket.destroy();
        return;
      }
      act(behaviour, record, req, res).catch((error: unknown) => {
        record.outcome = 500;
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const handle: FaultServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    get topics() {
      const all = new Map<string, StoredTopic>();
      for (const [GroupId, group] of Object.entries(emulator.state().groups)) {
        for (const topic of group.topics) all.set(topic.TopicId, { GroupId, TopicId: topic.TopicId, TopicName: topic.TopicName });
      }
      return all;
    },
    applied,
    duplicates: () => [...applied].filter(([, n]) => n > 1).map(([key]) => key),
    usersigs: () => [...new Set(requests.map((r) => r.usersig).filter((s): s is string => typeof s === "string"))],
    setScript(next, nextFallback) {
      script = next;
      firstIndex = requests.length;
      if (nextFallback) fallback = nextFallback;
    },
    forget() {
      requests.length = 0;
      applied.clear();
      emulator.reset();
    },
    async seed(topic) {
      // As IM would get it: imported (no callback, not counted as applied by the test).
      const query = new URLSearchParams({ sdkappid: String(SDK_APP_ID), identifier: ADMIN, usersig: "seed", random: "0", contenttype: "json" });
      const response = await emulator.handle(
        new Request(`http://fault-server${operationTable.importTopic.path}?${query}`, { method: "POST", body: JSON.stringify(topic) }),
      );
      const { ErrorCode } = (await response.json()) as { ErrorCode: number };
      if (ErrorCode !== 0) throw new Error(`could not seed ${topic.TopicId}: ${ErrorCode}`);
    },
    async close() {
      if (!open.delete(handle)) return;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(handle);
  return handle;
}

/** Closes every fault server still open (for `afterEach`). */
export async function closeAllFaultServers(): Promise<void> {
  await Promise.all([...open].map((server) => server.close()));
}

/** A loopback port with nothing listening on it (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The largest number of `times` (ms) that fall in one window [t, t + windowMs). */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
