/**
 * The red-team findings, each as the behaviour a careful user expects (loopback servers and fetch doubles only):
 * redirects are refused and never followed, answers are read to a bound, hostile or incomplete answers stay inside
 * the error family, userSig functions are bounded and shared, per-call options pass the client's gate, and the body
 * validated is the body sent.
 */
import { gzipSync } from "node:zlib";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { retryCodes } from "../generated/retry-codes.js";
import {
  createClient,
  TimAbortError,
  TimConfigError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  TimValidationError,
  type CallErrorEvent,
  type ClientOptions,
} from "../src/index.js";
import { closeAllFaultServers, type FaultServer } from "./helpers/fault-server.js";
import { createBody, expectNoSecrets, getBody, GROUP, harness, SDK_APP_ID, SECRET, ADMIN, serve, settle, topicId } from "./helpers/harness.js";

afterEach(closeAllFaultServers);

const base = { sdkAppId: SDK_APP_ID, identifier: ADMIN, secretKey: SECRET } satisfies ClientOptions;

/** A fetch double that answers every request with `body` (JSON) and records the URLs. */
function answering(body: unknown) {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    urls.push(String(input));
    return new Response(JSON.stringify(body), { status: 200 });
  };
  return { fetch, urls };
}
function clientOf(fetch: typeof globalThis.fetch, extra: Partial<ClientOptions> = {}) {
  const errors: CallErrorEvent[] = [];
  const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, onError: (e) => errors.push(e), ...extra } as ClientOptions);
  return { im, errors };
}

describe("1. redirects are refused, never followed", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status} to another origin: TimHttpError naming that origin only, nothing sent there, no retry`, async () => {
      const elsewhere = await serve();
      const server = await serve();
      server.setScript((request) => ({
        kind: "http",
        status,
        headers: { location: `${elsewhere.origin}/login?return_to=${encodeURIComponent(`${server.origin}${request.url}`)}` },
      }));
      const h = harness(server.origin);
      const { error } = await settle(h.im.getTopic(getBody()));
      expect(error).toBeInstanceOf(TimHttpError);
      expect(error).toMatchObject({ status, location: elsewhere.origin, mayHaveBeenApplied: false, attempts: 1 });
      expect((error as Error).message).toContain(elsewhere.origin);
      expect((error as Error).message).not.toContain("return_to");
      expect(server.requests).toHaveLength(1); // a redirect is not retried
      expect(elsewhere.requests).toHaveLength(0); // nor followed
      expectNoSecrets(h, server, error);
    });
  }

  it("a create that is redirected does not 'succeed' with the other origin's TopicId", async () => {
    const elsewhere = await serve();
    const server = await serve({ fallback: { kind: "http", status: 302, headers: { location: `${elsewhere.origin}/v4/million_group_open_http_svc/create_topic` } } });
    const h = harness(server.origin);
    const { value, error } = await settle(h.im.createTopic(createBody("redirected")));
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(TimHttpError);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("asks fetch not to follow (redirect: manual), and refuses an answer a custom fetch reached by following one", async () => {
    const inits: RequestInit[] = [];
    const followed = new Response(JSON.stringify({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicId: `${GROUP}@TOPIC#_@TOPIC#evil` }), { status: 200 });
    Object.defineProperties(followed, { redirected: { value: true }, url: { value: "https://evil.example/landing" } });
    const { im } = clientOf(async (_input, init) => (inits.push(init!), followed));
    const error = await im.createTopic(createBody("followed")).catch((e: unknown) => e);
    expect(inits[0]!.redirect).toBe("manual");
    expect(error).toBeInstanceOf(TimHttpError);
    expect(error).toMatchObject({ location: "https://evil.example" });
  });
});

describe("2. answers are read to a bound", () => {
  it("a gzip bomb (250 KB that inflates to 256 MiB) ends in TimResponseError after maxResponseBytes, not in memory", async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(300 * 1024);
    const server = await serve({ fallback: { kind: "bytes", body: bomb, headers: { "content-type": "application/json", "content-encoding": "gzip" } } });
    const h = harness(server.origin, { maxRetries: 0 });
    const heapBefore = process.memoryUsage().heapUsed;
    const { error } = await settle(h.im.getTopic(getBody()), 20_000);
    expect(error).toBeInstanceOf(TimResponseError);
    expect((error as Error).message).toContain("maxResponseBytes (4194304 bytes)");
    // Reading stopped at 4 MiB: nowhere near the 256 MiB (a generous bound, GC timing aside).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it("stops reading a long plain body at the limit: the server sees the client hang up", async () => {
    const server = await serve({ fallback: { kind: "flood", chunkBytes: 64 * 1024, totalBytes: 512 * 1024 * 1024 } });
    const h = harness(server.origin, { maxRetries: 0, maxResponseBytes: 1024 * 1024 });
    const { error } = await settle(h.im.getTopic(getBody()), 20_000);
    expect(error).toBeInstanceOf(TimResponseError);
    expect(error).toMatchObject({ mayHaveBeenApplied: true });
    await vi.waitFor(() => expect(server.requests[0]!.outcome).toBe("client-closed"));
    expect(server.requests[0]!.written!).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const body = Buffer.from(JSON.stringify({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "x".repeat(4096) }));
    const server = await serve({ fallback: { kind: "bytes", body, headers: { "content-type": "application/json" } } });
    const h = harness(server.origin, { maxRetries: 0, maxResponseBytes: 1024 });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimResponseError);
  });

  it("refuses a maxResponseBytes below 1 KiB", () => {
    expect(() => createClient({ ...base, maxResponseBytes: 100 })).toThrow(expect.objectContaining({ name: "TimConfigError", option: "maxResponseBytes" }));
  });
});

describe("3 and 4. hostile or incomplete answers stay in the error family, nothing is made up", () => {
  const ok = { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" };

  it.each([
    ["an object", {}],
    ["a string", "x"],
    ["a number", 5],
  ])("get_topic's TopicAndSelfInfo as %s: TimResponseError, reported to onError", async (_, list) => {
    const { im, errors } = clientOf(answering({ ...ok, TopicAndSelfInfo: list }).fetch);
    const error = await im.getTopic(getBody()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimResponseError);
    expect((error as Error).message).toContain("TopicAndSelfInfo is not an array");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBe(error);
  });

  it.each([
    ["null", [null], "TopicAndSelfInfo[0] is not an object"],
    ["a number", [5], "TopicAndSelfInfo[0] is not an object"],
    ["an item without an integer ErrorCode", [{ ErrorCode: "0" }], "TopicAndSelfInfo[0].ErrorCode is not an integer"],
    ["a success without TopicInfo", [{ ErrorCode: 0, ErrorInfo: "" }], "TopicAndSelfInfo[0] succeeded without TopicInfo.TopicId"],
    ["a success with an empty TopicId", [{ ErrorCode: 0, TopicInfo: { TopicId: "" } }], "without TopicInfo.TopicId"],
  ])("an item that is %s: TimResponseError, never an ok item with TopicId 'undefined'", async (_, list, reason) => {
    const { im } = clientOf(answering({ ...ok, TopicAndSelfInfo: list }).fetch);
    const error = await im.getTopic(getBody()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimResponseError);
    expect((error as Error).message).toContain(reason);
  });

  it("the snippet of a hostile answer is redacted", async () => {
    const { im } = clientOf(async (input) => new Response(JSON.stringify({ key: SECRET, echo: String(input), ...ok, TopicAndSelfInfo: {} }), { status: 200 }));
    const error = (await im.getTopic(getBody()).catch((e: unknown) => e)) as TimResponseError;
    expect(error.bodySnippet).toContain("[REDACTED]");
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET);
  });

  it.each([
    ["missing", undefined],
    ["an object", {}],
    ["empty", ""],
    ["a number", 42],
  ])("a create answered ErrorCode 0 with its TopicId %s: TimResponseError that says it may have been applied", async (_, id) => {
    const { im, errors } = clientOf(answering({ ...ok, TopicId: id }).fetch);
    const error = await im.createTopic(createBody("no-id")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimResponseError);
    expect(error).toMatchObject({ mayHaveBeenApplied: true, operation: "createTopic" });
    expect((error as Error).message).toMatch(/no usable TopicId.*may have been applied/);
    expect(errors).toHaveLength(1);
  });

  it("a create with its own TopicId that IM does not echo resolves to that TopicId", async () => {
    const { im } = clientOf(answering(ok).fetch);
    expect((await im.createTopic(createBody("mine", "echoless"))).TopicId).toBe(topicId("echoless"));
  });

  it.each([
    ["an array", [ok]],
    ["null", null],
    ["ErrorCode as a string", { ...ok, ErrorCode: "0" }],
    ["ErrorCode 1.5", { ...ok, ErrorCode: 1.5 }],
  ])("a whole answer that is %s: TimResponseError", async (_, body) => {
    const { im } = clientOf(answering(body).fetch, { maxRetries: 0 });
    await expect(im.getTopic(getBody())).rejects.toBeInstanceOf(TimResponseError);
  });
});

describe("5. userSig sources", () => {
  it("a function that never settles: the call fails within timeoutMs with TimTimeoutError kind userSig, and the next call asks again", async () => {
    let calls = 0;
    const { fetch, urls } = answering({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] });
    const { im, errors } = clientOf(fetch, { secretKey: undefined, userSig: () => (++calls === 1 ? new Promise<string>(() => {}) : "second"), timeoutMs: 50 });
    const { error } = await settle(im.getTopic(getBody()), 2_000);
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "userSig", limitMs: 50, mayHaveBeenApplied: false, attempts: 0 });
    expect((error as Error).message).toContain("`userSig` function did not settle within 50 ms");
    expect(errors).toHaveLength(1);
    expect(urls).toHaveLength(0);
    // Not wedged: the next call asks the function again and goes through.
    await im.getTopic(getBody());
    expect(calls).toBe(2);
    expect(new URL(urls[0]!).searchParams.get("usersig")).toBe("second");
  });

  it("a function that rejects: TimConfigError naming userSig, with the cause, reported to onError", async () => {
    const down = new Error("signing service down");
    const { im, errors } = clientOf(answering({}).fetch, { secretKey: undefined, userSig: () => Promise.reject(down) });
    const error = await im.getTopic(getBody()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimConfigError);
    expect(error).toMatchObject({ option: "userSig", operation: "getTopic", cause: down });
    expect(errors.map((e) => e.error)).toEqual([error]);
  });

  it("200 concurrent calls refused with one expired signature cause one refresh", async () => {
    let refreshes = 0;
    const server = await serve();
    server.setScript((request) => (request.usersig === "expired" ? { kind: "im", code: retryCodes.getTopic.resign.find((c) => c === 70001)! } : { kind: "ok" }));
    const h = harness(server.origin, { secretKey: undefined, userSig: () => (refreshes++ === 0 ? "expired" : `fresh-${refreshes}`) });
    const results = await Promise.all(Array.from({ length: 200 }, () => h.im.getTopic(getBody())));
    expect(results).toHaveLength(200);
    expect(refreshes).toBe(2); // the first signature, and one renewal
    expect(new Set(server.requests.filter((r) => r.usersig !== "expired").map((r) => r.usersig))).toEqual(new Set(["fresh-2"]));
  });
});

describe("6. per-call options pass the client's gate", () => {
  const { fetch, urls } = answering({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] });
  const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch });

  it.each([
    [{ maxRetries: 50 }, "maxRetries"],
    [{ maxRetries: Infinity }, "maxRetries"],
    [{ maxRetries: Number.NaN }, "maxRetries"],
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ deadlineMs: "300" }, "deadlineMs"],
    [{ signal: "abort" }, "signal"],
    [{ headers: { Prefer: 1 } }, "headers"],
    [{ headers: { "X-Injected": "a\r\nX-Evil: 1" } }, "headers"],
    [{ headers: { "bad name": "x" } }, "headers"],
    [{ headers: { "X-Nul": "a\u0000b" } }, "headers"],
    [{ onRequest: "log" }, "onRequest"],
    ["fast", "options"],
  ])("%j is a TimConfigError naming `%s`, and nothing is sent", async (options, option) => {
    const before = urls.length;
    const call = im.getTopic(getBody(), options as never);
    await expect(call).rejects.toBeInstanceOf(TimConfigError);
    await expect(call).rejects.toMatchObject({ option });
    expect(urls.length).toBe(before);
  });

  it("null options are no options, and a bad call rejects rather than throws", async () => {
    await expect(im.getTopic(getBody(), null)).resolves.toMatchObject({ topics: [] });
    expect(() => void im.getTopic(getBody(), { maxRetries: 50 }).catch(() => {})).not.toThrow();
  });

  it("a per-call onRequest sees each attempt, after the client's own", async () => {
    const server = await serve({ fallback: { kind: "http", status: 503, headers: { "retry-after-ms": "0" } } });
    const seen: string[] = [];
    const h = harness(server.origin, { onRequest: (e) => seen.push(`client ${e.attempt}`) });
    await settle(h.im.getTopic(getBody(), { maxRetries: 1, onRequest: (e) => seen.push(`call ${e.attempt} ${e.operation}`) }));
    expect(seen).toEqual(["client 1", "call 1 getTopic", "client 2", "call 2 getTopic"]);
    // A later call without one is not reported to it.
    await settle(h.im.getTopic(getBody(), { maxRetries: 0 }));
    expect(seen.filter((s) => s.startsWith("call"))).toHaveLength(2);
  });

  it("a per-call maxRetries is obeyed", async () => {
    const server = await serve({ fallback: { kind: "http", status: 503, headers: { "retry-after-ms": "0" } } });
    const h = harness(server.origin);
    const { error } = await settle(h.im.getTopic(getBody(), { maxRetries: 1 }));
    expect(error).toMatchObject({ status: 503, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });
});

describe("7. mayHaveBeenApplied only when a request may have reached IM", () => {
  it("a deadline that ends the call before anything was sent", async () => {
    const { im } = clientOf(answering({}).fetch, { secretKey: undefined, userSig: () => new Promise<string>(() => {}) });
    const error = await im.createTopic(createBody("never-sent"), { deadlineMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "deadline", attempts: 0, mayHaveBeenApplied: false });
    expect((error as Error).message).not.toContain("may have been applied");
  });

  it("a port fetch refuses (http://127.0.0.1:9, 'bad port'): TimNetworkError, not applied, retried even for a create", async () => {
    const h = harness("http://127.0.0.1:9", { maxRetries: 1 });
    const { error } = await settle(h.im.createTopic(createBody("bad-port")));
    expect(error).toBeInstanceOf(TimNetworkError);
    expect(error).toMatchObject({ mayHaveBeenApplied: false, attempts: 2 });
  });
});

describe("7b. a stop just before the send", () => {
  it("a signal aborted as the attempt is announced (by an onRequest hook): TimAbortError, nothing fetched, not applied", async () => {
    const { fetch, urls } = answering({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] });
    const { im } = clientOf(fetch);
    const stop = new AbortController();
    const error = await im.createTopic(createBody("stopped"), { signal: stop.signal, onRequest: () => stop.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimAbortError);
    expect(error).toMatchObject({ mayHaveBeenApplied: false, attempts: 0 });
    expect(urls).toHaveLength(0);
  });
});

describe("8. a baseUrl with credentials", () => {
  it("is refused by createClient, without quoting the password", () => {
    let thrown: unknown;
    try {
      createClient({ ...base, baseUrl: "https://user:hunter2secret@proxy.example" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TimConfigError);
    expect(thrown).toMatchObject({ option: "baseUrl" });
    expect(inspect(thrown)).not.toContain("hunter2secret");
  });
});

describe("9. the rate limiter serves calls in call order, whatever options they carry", () => {
  it("a burst mixing plain calls and calls with a signal or deadline is sent in call order", async () => {
    const server: FaultServer = await serve();
    // The order the client hands requests to fetch: what the limiter decides. (The server's arrival order is not: two
    // requests 5 ms apart on separate connections can arrive swapped on a busy machine.)
    const handedToFetch: unknown[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      handedToFetch.push((JSON.parse(String(init?.body)) as { From_Account?: string }).From_Account);
      return globalThis.fetch(input, init);
    };
    const h = harness(server.origin, { rateLimit: { perSecond: 200 }, fetch });
    const options = [undefined, { signal: new AbortController().signal }, { deadlineMs: 10_000 }, { timeoutMs: 4_000 }];
    await Promise.all(Array.from({ length: 40 }, (_, i) => h.im.getTopic({ ...getBody(), From_Account: `user${i}` }, options[i % options.length])));
    expect(handedToFetch).toEqual(Array.from({ length: 40 }, (_, i) => `user${i}`));
    expect(server.requests).toHaveLength(40);
  });
});

describe("10. the body validated is the body sent", () => {
  it("a toJSON that swaps in an over-long TopicName is refused", async () => {
    const { im } = clientOf(answering({}).fetch);
    const body = { ...createBody("short"), toJSON: () => ({ ...createBody("x".repeat(20_000)) }) };
    await expect(im.createTopic(body)).rejects.toMatchObject({ name: "TimValidationError", field: "TopicName", rule: "maxBytes" });
  });

  it("a prototype getter, which JSON drops, is validated as absent", async () => {
    const { im } = clientOf(answering({}).fetch);
    const body = Object.create({ get TopicName() { return "from the prototype"; } }, { GroupId: { value: GROUP, enumerable: true } });
    await expect(im.createTopic(body)).rejects.toMatchObject({ name: "TimValidationError", field: "TopicName", rule: "required" });
  });

  it.each([
    ["circular", () => { const b: Record<string, unknown> = createBody("c"); b.self = b; return b; }],
    ["a BigInt", () => ({ ...createBody("b"), CreateTime: 1n })],
    ["too deep", () => { let deep: unknown = {}; for (let i = 0; i < 100_000; i++) deep = { deep }; return { ...createBody("d"), deep }; }],
  ])("with validate: false, a body that is %s is a TimValidationError (rule serializable)", async (_, make) => {
    const { fetch, urls } = answering({});
    const client = clientOf(fetch, { validate: false });
    const error = await client.im.createTopic(make() as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimValidationError);
    expect(error).toMatchObject({ field: "(body)", rule: "serializable" });
    expect(client.errors).toHaveLength(1);
    expect(urls).toHaveLength(0);
  });
});

describe("an abort while waiting for the UserSig", () => {
  it("is a TimAbortError with attempts 0", async () => {
    const controller = new AbortController();
    const { im } = clientOf(answering({}).fetch, { secretKey: undefined, userSig: () => new Promise<string>(() => {}) });
    const call = im.getTopic(getBody(), { signal: controller.signal });
    controller.abort(new Error("user left"));
    await expect(call).rejects.toBeInstanceOf(TimAbortError);
    await expect(call).rejects.toMatchObject({ attempts: 0 });
  });
});

describe("second pass: what a custom fetch or a hostile answer can still do", () => {
  const okBody = { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" };
  /** A Response-like object as node-fetch v2 gives it: the body a Node stream (async iterable), no getReader. */
  const nodeStyle = (chunks: (string | Uint8Array)[], headers: Record<string, string> = {}) => {
    let destroyed = false;
    const body = {
      async *[Symbol.asyncIterator]() {
        for (const chunk of chunks) {
          if (destroyed) return;
          yield chunk;
        }
      },
      destroy: () => void (destroyed = true),
    };
    return { answer: { status: 200, type: "default", redirected: false, headers: new Headers(headers), body } as unknown as Response, wasDestroyed: () => destroyed };
  };

  it("a fetch whose body is a Node stream (node-fetch v2): the answer is read, a create is not reported as failed", async () => {
    const json = JSON.stringify({ ...okBody, TopicId: topicId("node-fetch") });
    const { im } = clientOf(async () => nodeStyle([Buffer.from(json.slice(0, 10)), json.slice(10)]).answer);
    await expect(im.createTopic(createBody("n", "node-fetch"))).resolves.toMatchObject({ TopicId: topicId("node-fetch") });
  });

  it("a Node stream over maxResponseBytes, in string or byte chunks, is stopped at the bound", async () => {
    for (const chunk of ["x".repeat(1024), new Uint8Array(1024)]) {
      const stream = nodeStyle(Array.from({ length: 64 }, () => chunk));
      const { im } = clientOf(async () => stream.answer, { maxRetries: 0, maxResponseBytes: 4096 });
      await expect(im.getTopic(getBody())).rejects.toThrow(/larger than maxResponseBytes/);
      expect(stream.wasDestroyed()).toBe(true);
    }
  });

  it("a Response-like answer that offers only text() is still held to maxResponseBytes", async () => {
    const text = JSON.stringify({ ...okBody, TopicAndSelfInfo: [], Padding: "x".repeat(8192) });
    const answer = { status: 200, type: "default", redirected: false, headers: new Headers(), body: null, text: async () => text };
    const { im } = clientOf(async () => answer as unknown as Response, { maxRetries: 0, maxResponseBytes: 4096 });
    await expect(im.getTopic(getBody())).rejects.toThrow(/larger than maxResponseBytes/);
  });

  it("a deeply nested answer under the size bound is a TimResponseError (reported), not a RangeError", async () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const { im, errors } = clientOf(async () => new Response(`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TopicId":{"x":${deep}}}`, { status: 200 }));
    const error = await im.createTopic(createBody("deep")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimResponseError);
    expect((error as TimResponseError).bodySnippet.length).toBeLessThanOrEqual(200);
    expect(errors).toHaveLength(1);
  });

  it("a per-topic ErrorInfo that is not a string is dropped, not stringified", async () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const id = topicId("t");
    const text = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TopicAndSelfInfo":[{"ErrorCode":10010,"ErrorInfo":${deep},"TopicInfo":{"TopicId":"${id}"}}]}`;
    const { im } = clientOf(async () => new Response(text, { status: 200 }));
    const { topics } = await im.getTopic(getBody([id]));
    expect(topics[0]).toMatchObject({ ok: false, TopicId: id, error: { code: 10010, info: "" } });
  });

  it("a create with its own TopicId answered with a blank TopicId: TimResponseError", async () => {
    const { im } = clientOf(answering({ ...okBody, TopicId: " " }).fetch);
    await expect(im.createTopic(createBody("mine", "mine"))).rejects.toBeInstanceOf(TimResponseError);
  });

  it("a blank TopicId on a create without one, or on a get item, is not a result", async () => {
    await expect(clientOf(answering({ ...okBody, TopicId: "  " }).fetch).im.createTopic(createBody("blank"))).rejects.toBeInstanceOf(TimResponseError);
    const get = clientOf(answering({ ...okBody, TopicAndSelfInfo: [{ ErrorCode: 0, TopicInfo: { TopicId: "\t" } }] }).fetch);
    await expect(get.im.getTopic(getBody([topicId("t")]))).rejects.toBeInstanceOf(TimResponseError);
  });

  it("a get or destroy that named topics, answered without the per-topic list: TimResponseError, never an empty success", async () => {
    const { im } = clientOf(answering(okBody).fetch);
    await expect(im.getTopic(getBody([topicId("a")]))).rejects.toThrow(/carries no TopicAndSelfInfo for the TopicIdList sent/);
    await expect(im.destroyTopic({ GroupId: GROUP, TopicIdList: [topicId("a")] })).rejects.toThrow(/carries no DestroyResultItem/);
    // Without a list (every topic of the group), no list is no topics.
    await expect(im.getTopic(getBody())).resolves.toMatchObject({ topics: [] });
  });

  it("per-call options are read once: a getter cannot pass the gate with one value and run with another", async () => {
    let reads = 0;
    const server = await serve({ fallback: { kind: "http", status: 503, headers: { "retry-after-ms": "0" } } });
    const h = harness(server.origin);
    const options = {
      get maxRetries() {
        return reads++ === 0 ? 1 : 1000;
      },
    };
    const { error } = await settle(h.im.getTopic(getBody(), options));
    expect(error).toMatchObject({ attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(reads).toBe(1);
  });

  it("headers are copied once: a getter that later turns to CRLF is never sent, and a throwing options object is a TimConfigError", async () => {
    const inits: RequestInit[] = [];
    const { im } = clientOf(async (_input, init) => (inits.push(init!), new Response(JSON.stringify({ ...okBody, TopicAndSelfInfo: [] }))));
    let reads = 0;
    const headers = {
      get Prefer() {
        return reads++ === 0 ? "code=200" : "a\r\nX-Evil: 1";
      },
    };
    await im.getTopic(getBody(), { headers });
    expect(new Headers(inits[0]!.headers).get("prefer")).toBe("code=200");
    const hostile = new Proxy({}, { get: () => { throw new Error("boom"); } });
    await expect(im.getTopic(getBody(), hostile)).rejects.toMatchObject({ name: "TimConfigError", option: "options" });
  });

  it("a signal without removeEventListener is refused by the gate, not a crash later", async () => {
    const { im } = clientOf(answering({}).fetch);
    const signal = { aborted: false, addEventListener() {} };
    await expect(im.getTopic(getBody(), { signal } as never)).rejects.toMatchObject({ name: "TimConfigError", option: "signal" });
  });

  it("client options are read once too: a baseUrl getter cannot slip credentials past the check", () => {
    let reads = 0;
    const options = {
      ...base,
      get baseUrl() {
        return reads++ === 0 ? "https://proxy.example" : "https://user:hunter2secret@proxy.example";
      },
    };
    const im = createClient(options as ClientOptions);
    expect(reads).toBe(1);
    expect(im).toBeDefined();
  });

  it("an answer a custom fetch reached by following a redirect says so, rather than 'not followed'", async () => {
    const followed = new Response(JSON.stringify(okBody), { status: 200 });
    Object.defineProperties(followed, { redirected: { value: true }, url: { value: "https://evil.example/landing" } });
    const error = await clientOf(async () => followed).im.getTopic(getBody()).catch((e: unknown) => e);
    expect((error as Error).message).toContain("a redirect the fetch followed to https://evil.example; refused");
    expect((error as Error).message).not.toContain("not followed");
  });
});
