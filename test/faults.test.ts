/**
 * Fault injection against a real loopback server (test/helpers/fault-server.ts): every scenario checks the attempts
 * the server saw, the outcome, that `random` stayed the same on every attempt, that no create was applied twice, and
 * that neither the secret key nor any UserSig appears in the error (String, stack, JSON, util.inspect with its cause)
 * or in any hook event.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { errorCodeRows } from "../generated/error-codes.js";
import { regionHosts } from "../generated/hosts.js";
import { requestRules, type OperationId } from "../generated/request-rules.js";
import { retryCodes } from "../generated/retry-codes.js";
import {
  createClient,
  TimAbortError,
  TimApiError,
  TimError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  verifyUserSig,
  type ClientOptions,
  type ErrorEvent,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
} from "../src/index.js";
import { createWindowLimiter } from "../src/rate-limit.js";
import { RETRY_AFTER_MAX_MS, BACKOFF_BASE_MS } from "../src/retry-policy.js";
import {
  closeAllFaultServers,
  closedPort,
  maxInWindow,
  startFaultServer,
  type Behaviour,
  type FaultServer,
  type FaultServerOptions,
  type RecordedRequest,
} from "./helpers/fault-server.js";

// Tencent's published sample inputs (tencent-im.md §1.3): not a real secret, but treated as one here.
const SECRET = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDK_APP_ID = 1400000000;
const ADMIN = "administrator";
const GROUP = "@TGS#_@TGS#cQVLVHIM62CJ";
const separator = requestRules.createTopic.fields.TopicId.customTopicId.separator;
const topicId = (custom: string) => `${GROUP}${separator}${custom}`;
const [duplicateIdCode] = requestRules.createTopic.duplicateIdCodes;
/** Answer headers that make the client retry at once (keeps the suite fast without touching Math.random). */
const NOW: Record<string, string> = { "retry-after-ms": "0" };
/** A `transient` IM code (10002, "internal error; retry"), from the generated table. */
const [TRANSIENT] = retryCodes.getTopic.transient;

afterEach(closeAllFaultServers);

/** A fault server for this test: closed when it ends, and checked then that no create was applied twice. */
async function serve(options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = await startFaultServer(options);
  onTestFinished(async () => {
    await server.close();
    expect(server.duplicates(), "a create was applied twice").toEqual([]);
  });
  return server;
}

interface Harness {
  im: ReturnType<typeof createClient>;
  events: { request: RequestEvent[]; response: ResponseEvent[]; retry: RetryEvent[]; error: ErrorEvent[] };
  /** Every hook event rendered as a log line would be (JSON and util.inspect). */
  lines: string[];
  /** URLs the client handed to fetch (client-side view, so UserSigs are known even when nothing connected). */
  sent: string[];
}

/** A client of `origin` whose hooks record everything and whose fetch records every URL it is given. */
function harness(origin: string, extra: Partial<ClientOptions> = {}): Harness {
  const events: Harness["events"] = { request: [], response: [], retry: [], error: [] };
  const lines: string[] = [];
  const sent: string[] = [];
  const record =
    <K extends keyof Harness["events"]>(kind: K) =>
    (event: Harness["events"][K][number]) => {
      (events[kind] as unknown[]).push(event);
      lines.push(`${kind} ${JSON.stringify(event)}`, `${kind} ${inspect(event, { depth: 5 })}`);
    };
  const inner = extra.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  // Whatever else a test checks, no hook event may carry a secret.
  onTestFinished(() => expectNoSecrets(harnessed, undefined, undefined, false));
  const im = createClient({
    sdkAppId: SDK_APP_ID,
    identifier: ADMIN,
    secretKey: SECRET,
    baseUrl: origin,
    onRequest: record("request"),
    onResponse: record("response"),
    onRetry: record("retry"),
    onError: record("error"),
    ...extra,
    fetch: (input, init) => {
      sent.push(String(input));
      return inner(input, init);
    },
  } as ClientOptions); // `extra` may swap the credential (secretKey: undefined, userSig: …), which the union cannot follow
  const harnessed: Harness = { im, events, lines, sent };
  return harnessed;
}

/** Every secret a leak check must look for: the key, and each UserSig sent or seen (raw and percent-decoded). */
function secretsOf(h: Harness, server?: FaultServer): string[] {
  const sigs = h.sent.map((url) => new URL(url).searchParams.get("usersig")).filter((s): s is string => !!s);
  return [...new Set([SECRET, ...sigs, ...(server?.usersigs() ?? [])])];
}

/** Asserts that no secret, nor any 20-character piece of one, appears in the error's renderings or in any log line. */
function expectNoSecrets(h: Harness, server: FaultServer | undefined, error?: unknown, needSignatures = true): void {
  const texts = [...h.lines];
  if (error !== undefined) {
    const e = error as Error;
    texts.push(String(e), String(e.stack), JSON.stringify(e), inspect(e, { depth: 5 }));
  }
  const secrets = secretsOf(h, server);
  if (needSignatures) expect(secrets.length).toBeGreaterThan(1); // the key and at least one UserSig, or it proves little
  for (const secret of secrets) {
    for (let i = 0; i + 20 <= secret.length; i += 5) {
      const piece = secret.slice(i, i + 20);
      for (const text of texts) if (text.includes(piece)) expect.fail(`secret piece ${piece} leaked in: ${text.slice(0, 400)}`);
    }
  }
}

/** All requests of one call carry the same `random`, which the result or error reports. */
function expectStableRandom(requests: readonly RecordedRequest[], reported: number | undefined): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(new Set(requests.map((r) => r.random))).toEqual(new Set([String(reported)]));
}

/** Settles `promise`, failing if it takes longer than `ms` (a liveness bound, not a speed target). */
async function settle<T>(promise: Promise<T>, ms = 5_000): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([promise, hang]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("did not settle")) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

const createBody = (name: string, custom?: string) => ({
  GroupId: GROUP,
  TopicName: name,
  ...(custom === undefined ? {} : { TopicId: topicId(custom) }),
});
const getBody = (ids: string[] = []) => ({ GroupId: GROUP, From_Account: ADMIN, ...(ids.length ? { TopicIdList: ids } : {}) });

const until = async (check: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("connection refused", () => {
  it("a create without TopicId is retried (nothing was sent) and fails with mayHaveBeenApplied false", async () => {
    const port = await closedPort();
    const h = harness(`http://127.0.0.1:${port}`, { maxRetries: 2 });
    const { error } = await settle(h.im.createTopic(createBody("refused")));
    expect(error).toBeInstanceOf(TimNetworkError);
    const e = error as TimNetworkError;
    expect(e.mayHaveBeenApplied).toBe(false);
    expect(e.attempts).toBe(3);
    expect(e.message).not.toMatch(/may have been applied/);
    expect(h.events.request).toHaveLength(3);
    expect(h.events.retry).toHaveLength(2);
    expect(h.events.error).toHaveLength(1);
    expect(new Set(h.sent.map((u) => new URL(u).searchParams.get("random")))).toEqual(new Set([String(e.random)]));
    expectNoSecrets(h, undefined, e);
  });

  it("a create without TopicId succeeds once the server comes up, applied exactly once", async () => {
    const port = await closedPort();
    let up: Promise<FaultServer> | undefined;
    const h = harness(`http://127.0.0.1:${port}`, {
      maxRetries: 2,
      onRetry: () => {
        up ??= serve({ port });
      },
      // Attempt 1 meets the closed port; later attempts wait until the server listens there.
      fetch: async (input, init) => {
        if (up) await up;
        return fetch(input, init);
      },
    });
    const result = await h.im.createTopic(createBody("late-server"));
    const server = await up!;
    expect(result.meta.attempts).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(server.applied.get("name:late-server")).toBe(1);
    expect(result.TopicId).toBe([...server.topics.keys()][0]);
    expect(new Set(h.sent.map((u) => new URL(u).searchParams.get("random")))).toEqual(new Set([String(result.meta.random)]));
  });
});

describe("connection reset", () => {
  for (const kind of ["resetBeforeBody", "resetAfterBody"] as const) {
    it(`${kind}: a create without TopicId is not retried and says it may have been applied`, async () => {
      const server = await serve({ script: [{ kind }] });
      const h = harness(server.origin);
      const { error } = await settle(h.im.createTopic(createBody(kind)));
      expect(error).toBeInstanceOf(TimNetworkError);
      const e = error as TimNetworkError;
      expect(e.mayHaveBeenApplied).toBe(true);
      expect(e.message).toMatch(/may have been applied/);
      expect(e.attempts).toBe(1);
      expect(server.requests).toHaveLength(1);
      // The server applied it only when it had read the body; either way, never twice.
      expect(server.applied.get(`name:${kind}`)).toBe(kind === "resetAfterBody" ? 1 : undefined);
      expect(server.duplicates()).toEqual([]);
      expectStableRandom(server.requests, e.random);
      expectNoSecrets(h, server, e);
    });

    it(`${kind}: getTopic is retried and succeeds`, async () => {
      const server = await serve({ script: [{ kind }] });
      server.seed({ GroupId: GROUP, TopicId: topicId("t1"), TopicName: "t1" });
      const h = harness(server.origin);
      const result = await h.im.getTopic(getBody([topicId("t1")]));
      expect(result.meta.attempts).toBe(2);
      expect(server.requests).toHaveLength(2);
      expect(result.topics).toMatchObject([{ ok: true, TopicId: topicId("t1") }]);
      expectStableRandom(server.requests, result.meta.random);
      expect(h.events.retry).toHaveLength(1);
      expect(h.events.retry[0]!.error).toBeInstanceOf(TimNetworkError);
      expectNoSecrets(h, server);
    });

    it(`${kind}: a create with its own TopicId is retried; applied once`, async () => {
      const server = await serve({ script: [{ kind: "resetBeforeBody" }] });
      const h = harness(server.origin);
      const result = await h.im.createTopic(createBody("custom", "c1"));
      expect(result.TopicId).toBe(topicId("c1"));
      expect(result.meta.attempts).toBe(2);
      expect(result.meta.readBack).toBeUndefined();
      expect(server.applied.get(topicId("c1"))).toBe(1);
      expectStableRandom(server.requests, result.meta.random);
    });
  }
});

describe("timeouts and the deadline", () => {
  it("an attempt past timeoutMs is abandoned and getTopic retried", async () => {
    const server = await serve({ script: [{ kind: "delay", ms: 3_000 }] });
    const h = harness(server.origin, { timeoutMs: 150 });
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    await until(() => server.requests[0]!.outcome === "client-closed");
    expect(h.events.retry[0]!.error).toBeInstanceOf(TimTimeoutError);
    expect((h.events.retry[0]!.error as TimTimeoutError).kind).toBe("attempt");
    expectStableRandom(server.requests, result.meta.random);
  });

  it("getTopic gives up after maxRetries timeouts with TimTimeoutError kind attempt", async () => {
    const server = await serve({ fallback: { kind: "delay", ms: 3_000 } });
    const h = harness(server.origin, { timeoutMs: 100, maxRetries: 1 });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "attempt", attempts: 2, mayHaveBeenApplied: true, operation: "getTopic" });
    expect(server.requests).toHaveLength(2);
    expectStableRandom(server.requests, (error as TimError).random);
    expectNoSecrets(h, server, error);
  });

  it("a create without TopicId that times out is not retried: the server did apply it", async () => {
    const server = await serve({ fallback: { kind: "delay", ms: 3_000 } });
    const h = harness(server.origin, { timeoutMs: 150 });
    const { error } = await settle(h.im.createTopic(createBody("slow")));
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "attempt", attempts: 1, mayHaveBeenApplied: true });
    expect(server.requests).toHaveLength(1);
    expect(server.applied.get("name:slow")).toBe(1);
    expectNoSecrets(h, server, error);
  });

  it("the deadline ends the call across retries with TimTimeoutError kind deadline", async () => {
    // Every answer is a transient code after 150 ms with "retry at once": only the deadline can stop the loop.
    const server = await serve({ fallback: { kind: "delay", ms: 150, then: { kind: "im", code: TRANSIENT, headers: NOW } } });
    const h = harness(server.origin, { deadlineMs: 400, maxRetries: 10 });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimTimeoutError);
    const e = error as TimTimeoutError;
    expect(e.kind).toBe("deadline");
    expect(e.attempts).toBeGreaterThanOrEqual(2);
    expect(e.attempts).toBeLessThan(11);
    expect(server.requests).toHaveLength(e.attempts!);
    expectStableRandom(server.requests, e.random);
    expect(h.events.error).toHaveLength(1);
    expectNoSecrets(h, server, e);
  });

  it("a per-call deadline that a backoff would cross ends the call with the last error, without sleeping", async () => {
    const server = await serve({ fallback: { kind: "im", code: TRANSIENT, headers: { "retry-after-ms": "20000" } } });
    const h = harness(server.origin);
    const { error } = await settle(h.im.getTopic(getBody(), { deadlineMs: 1_000 }), 3_000);
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: TRANSIENT, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("the deadline also bounds a wait for a rate-limit slot", async () => {
    const server = await serve();
    const h = harness(server.origin, { rateLimit: { perSecond: 2 } });
    await Promise.all([h.im.getTopic(getBody()), h.im.getTopic(getBody())]); // this second's sends are spent
    // The next slot is ~0.5 s away; a 100 ms deadline must not wait for it, nor send after it.
    const { error } = await settle(h.im.getTopic(getBody(), { deadlineMs: 100 }), 3_000);
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "deadline" });
    expect((error as TimError).durationMs).toBeLessThan(450);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(server.requests).toHaveLength(2);
  });
});

describe("caller abort", () => {
  it("during a request: TimAbortError at once, not a timeout; the connection is dropped", async () => {
    const server = await serve({ fallback: { kind: "delay", ms: 20_000 } });
    const controller = new AbortController();
    const h = harness(server.origin, { timeoutMs: 15_000, onRequest: () => setTimeout(() => controller.abort(new Error("user cancelled")), 30) });
    const { error } = await settle(h.im.getTopic(getBody(), { signal: controller.signal }), 3_000);
    expect(error).toBeInstanceOf(TimAbortError);
    expect(error).not.toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ attempts: 1, operation: "getTopic" });
    expect((error as Error).cause).toBe(controller.signal.reason);
    await until(() => server.requests[0]?.outcome === "client-closed");
    expect(server.requests).toHaveLength(1);
  });

  it("during a backoff sleep: TimAbortError at once, no further attempt", async () => {
    const server = await serve({ fallback: { kind: "im", code: TRANSIENT, headers: { "retry-after-ms": "30000" } } });
    const controller = new AbortController();
    const h = harness(server.origin, { onRetry: () => setTimeout(() => controller.abort(), 20) });
    const { error } = await settle(h.im.getTopic(getBody(), { signal: controller.signal }), 3_000);
    expect(error).toBeInstanceOf(TimAbortError);
    expect(error).toMatchObject({ attempts: 1 });
    expect((error as Error).cause).toBeInstanceOf(TimApiError); // what it was waiting to retry
    expect(server.requests).toHaveLength(1);
    expectNoSecrets(h, server, error);
  });

  it("during a rate-limit wait: TimAbortError at once, nothing sent", async () => {
    const server = await serve();
    const h = harness(server.origin, { rateLimit: { perSecond: 2 } });
    await Promise.all([h.im.getTopic(getBody()), h.im.getTopic(getBody())]); // this second's sends are spent
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const { error } = await settle(h.im.getTopic(getBody(), { signal: controller.signal }), 450);
    expect(error).toBeInstanceOf(TimAbortError);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(server.requests).toHaveLength(2);
  });

  it("with a signal aborted before the call: TimAbortError, nothing sent", async () => {
    const server = await serve();
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("never"), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(TimAbortError);
    expect(server.requests).toHaveLength(0);
  });
});

/** A 502 page from a proxy that quotes the request URL (as Squid's error pages do). */
const badGateway = (server: FaultServer): Behaviour => ({
  kind: "http",
  status: 502,
  body: `<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>POST ${server.origin}${server.requests.at(-1)?.url}</p></body></html>`,
});

describe("bad answers", () => {
  it("502 with an HTML page: getTopic retried; the snippet keeps no UserSig", async () => {
    const server = await serve();
    server.setScript((request) => (request.index === 0 ? badGateway(server) : { kind: "ok" }));
    const h = harness(server.origin);
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    const retried = h.events.retry[0]!.error as TimHttpError;
    expect(retried).toBeInstanceOf(TimHttpError);
    expect(retried.status).toBe(502);
    expect(retried.bodySnippet).toContain("502 Bad Gateway");
    expectStableRandom(server.requests, result.meta.random);
    expectNoSecrets(h, server);
  });

  it("502 on a create without TopicId: not retried, TimHttpError without secrets", async () => {
    const server = await serve();
    server.setScript(() => badGateway(server));
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("gateway")));
    expect(error).toBeInstanceOf(TimHttpError);
    expect(error).toMatchObject({ status: 502, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expect(server.applied.size).toBe(0);
    expectNoSecrets(h, server, error);
  });

  it("502 every time: getTopic spends maxRetries and reports the last 502", async () => {
    const server = await serve();
    server.setScript(() => badGateway(server));
    const h = harness(server.origin, { maxRetries: 2 });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimHttpError);
    expect(error).toMatchObject({ status: 502, attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expectStableRandom(server.requests, (error as TimError).random);
    expectNoSecrets(h, server, error);
  });

  for (const kind of ["malformedJson", "truncatedJson", "dropMidBody"] as const) {
    const expected = kind === "dropMidBody" ? TimNetworkError : TimResponseError;
    it(`${kind}: getTopic retried and succeeds`, async () => {
      const server = await serve({ script: [{ kind }] });
      const h = harness(server.origin);
      const result = await h.im.getTopic(getBody());
      expect(result.meta.attempts).toBe(2);
      expect(h.events.retry[0]!.error).toBeInstanceOf(expected);
      expectStableRandom(server.requests, result.meta.random);
      expectNoSecrets(h, server);
    });

    it(`${kind}: a create without TopicId is not retried (the server applied it)`, async () => {
      const server = await serve({ script: [{ kind }] });
      const h = harness(server.origin);
      const { error } = await settle(h.im.createTopic(createBody(kind)));
      expect(error).toBeInstanceOf(expected);
      expect(error).toMatchObject({ attempts: 1 });
      expect(server.applied.get(`name:${kind}`)).toBe(1);
      expect(server.requests).toHaveLength(1);
      expectNoSecrets(h, server, error);
    });
  }
});

/** A code the spec documents for `operation` as never retried. */
const neverCode = (operation: OperationId) => errorCodeRows.find((row) => row.retry === "never" && row.operations.includes(operation))!.code;

/** Every retryable code per class for `operation`, read from generated/, plus a `never` code. */
function codesByClass(operation: OperationId): [string, number][] {
  const table = retryCodes[operation] as Record<string, readonly number[]>;
  return [...Object.entries(table).flatMap(([retry, codes]) => codes.map((code): [string, number] => [retry, code])), ["never", neverCode(operation)]];
}

describe("IM error codes in HTTP 200 bodies, by generated retry class", () => {
  interface Case {
    operation: OperationId;
    retry: string;
    code: number;
    custom: boolean;
  }
  const cases: Case[] = (["getTopic", "createTopic"] as const).flatMap((operation): Case[] =>
    codesByClass(operation).flatMap(([retry, code]): Case[] =>
      operation === "getTopic"
        ? [{ operation, retry, code, custom: false }]
        : [
            { operation, retry, code, custom: false },
            { operation, retry, code, custom: true },
          ],
    ),
  );

  it.each(cases)("$operation (custom TopicId: $custom) answered $code ($retry)", async ({ operation, retry, code, custom }: Case) => {
    const server = await serve({ script: [{ kind: "im", code, headers: NOW }] });
    const h = harness(server.origin);
    const name = `n${code}`;
    const call: Promise<{ meta: { attempts: number; random: number } }> =
      operation === "getTopic" ? h.im.getTopic(getBody()) : h.im.createTopic(createBody(name, custom ? `c${code}` : undefined));
    const { value, error } = await settle(call);
    // Retried: rate-limit and resign always; transient when repeating is harmless; never: never.
    const retried = retry === "rate-limit" || retry === "resign" || (retry === "transient" && (operation === "getTopic" || custom));
    if (retried) {
      expect(error).toBeUndefined();
      expect(value!.meta.attempts).toBe(2);
      expect(server.requests).toHaveLength(2);
      expect(h.events.retry[0]!.resign).toBe(retry === "resign");
    } else {
      expect(error).toBeInstanceOf(TimApiError);
      expect(error).toMatchObject({ code, retry, attempts: 1, operation });
      expect(server.requests).toHaveLength(1);
    }
    if (operation === "createTopic") {
      expect(server.duplicates()).toEqual([]);
      expect([...server.applied.values()]).toEqual(retried ? [1] : []);
    }
    expectStableRandom(server.requests, value?.meta.random ?? (error as TimError).random);
    expectNoSecrets(h, server, error);
  });

  it("a transient code every time spends maxRetries and reports it with its meaning", async () => {
    const [code] = retryCodes.getTopic.transient;
    const server = await serve({ fallback: { kind: "im", code, info: "服务器内部错误，请重试", headers: NOW } });
    const h = harness(server.origin, { maxRetries: 3 });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code, retry: "transient", attempts: 4, info: "服务器内部错误，请重试" });
    expect((error as TimApiError).meaning?.en).toBeTruthy();
    expect(server.requests).toHaveLength(4);
  });

  it("an ErrorInfo that quotes the request URL does not carry the UserSig into the error", async () => {
    const never = neverCode("getTopic");
    const server = await serve();
    server.setScript((request) => ({ kind: "im", code: never, info: `bad request ${request.url}` }));
    const h = harness(server.origin);
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimApiError);
    expectNoSecrets(h, server, error);
  });
});

describe("re-signing after 70001", () => {
  const [expired] = retryCodes.getTopic.resign.filter((code) => code === 70001);

  it("with a secretKey: signs a fresh UserSig and retries once, not counted against maxRetries", async () => {
    // IM answers 70001 only after the second turns, so the fresh signature (time in seconds) differs from the first.
    const server = await serve();
    server.setScript((request) =>
      request.index === 0 ? { kind: "delay", ms: 1_005 - (Date.now() % 1_000), then: { kind: "im", code: expired! } } : { kind: "ok" },
    );
    const h = harness(server.origin, { maxRetries: 0 });
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.usersigs();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const verified = await verifyUserSig(second!, { sdkAppId: SDK_APP_ID, identifier: ADMIN, secretKey: SECRET });
    expect(verified).toMatchObject({ ok: true });
    expect(h.events.retry).toMatchObject([{ resign: true, delayMs: 0 }]);
    expectStableRandom(server.requests, result.meta.random);
    expectNoSecrets(h, server);
  });

  it("with a userSig function: asks it again and retries with the new UserSig", async () => {
    let issued = 0;
    const server = await serve({ script: [{ kind: "im", code: expired! }] });
    // An identifier that URL-encoding variants spell differently (space, tilde, apostrophe).
    const identifier = "ops admin~'1";
    const h = harness(server.origin, { secretKey: undefined, identifier, userSig: async () => `sig-from-backend-${++issued}-${"x".repeat(40)}` });
    const result = await h.im.createTopic(createBody("resign"));
    expect(server.requests.map((r) => new URL(r.url, server.origin).searchParams.get("identifier"))).toEqual([identifier, identifier]);
    expect(result.meta.attempts).toBe(2);
    expect(server.requests.map((r) => r.usersig)).toEqual([`sig-from-backend-1-${"x".repeat(40)}`, `sig-from-backend-2-${"x".repeat(40)}`]);
    // Only the usersig changed: the rest of the request line is sent byte for byte as before.
    const [before, after] = server.requests.map((r) => r.url.replace(/usersig=[^&]*/, "usersig=*"));
    expect(after).toBe(before);
    expect(server.applied.get("name:resign")).toBe(1);
    expectNoSecrets(h, server);
  });

  it("with a fixed userSig string: no re-sign, TimApiError 70001 at once", async () => {
    const server = await serve({ script: [{ kind: "im", code: expired! }] });
    const fixed = `fixed-${"y".repeat(60)}`;
    const h = harness(server.origin, { secretKey: undefined, userSig: fixed });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: expired, retry: "resign", attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expectNoSecrets(h, server, error);
  });

  it("re-signs only once per call: a second 70001 is final", async () => {
    const server = await serve({ fallback: { kind: "im", code: expired! } });
    const h = harness(server.origin);
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toMatchObject({ code: expired, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });
});

describe("Retry-After", () => {
  it("429 with Retry-After in seconds is honoured", async () => {
    const server = await serve({ script: [{ kind: "http", status: 429, body: "slow down", headers: { "retry-after": "1" } }] });
    const h = harness(server.origin);
    const result = await h.im.createTopic(createBody("after-429"));
    expect(result.meta.attempts).toBe(2);
    expect(h.events.retry).toMatchObject([{ delayMs: 1_000 }]);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(server.applied.get("name:after-429")).toBe(1);
    expectStableRandom(server.requests, result.meta.random);
  });

  it("retry-after-ms on a rate-limit code is honoured", async () => {
    const [code] = retryCodes.getTopic["rate-limit"];
    const server = await serve({ script: [{ kind: "im", code, headers: { "retry-after-ms": "120" } }] });
    const h = harness(server.origin);
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    expect(h.events.retry).toMatchObject([{ delayMs: 120 }]);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(115);
  });

  it("an HTTP-date Retry-After in the past means retry at once", async () => {
    const server = await serve({ script: [{ kind: "http", status: 503, headers: { "retry-after": new Date(Date.now() - 60_000).toUTCString() } }] });
    const h = harness(server.origin);
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    expect(h.events.retry).toMatchObject([{ delayMs: 0 }]);
  });

  it(`a Retry-After above ${RETRY_AFTER_MAX_MS / 1000} s is ignored in favour of the backoff`, async () => {
    const seconds = RETRY_AFTER_MAX_MS / 1000 + 1;
    const server = await serve({ script: [{ kind: "http", status: 429, headers: { "retry-after": String(seconds) } }] });
    const h = harness(server.origin);
    const result = await h.im.getTopic(getBody());
    expect(result.meta.attempts).toBe(2);
    expect(h.events.retry[0]!.delayMs).toBeLessThan(BACKOFF_BASE_MS);
  });
});

describe("duplicate-ID read-back", () => {
  it("a create with TopicId applied on attempt 1 (reset after the body) and answered 10025 on retry is read back", async () => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const h = harness(server.origin);
    const id = topicId("readback");
    const result = await h.im.createTopic(createBody("rb", "readback"));
    expect(result.TopicId).toBe(id);
    expect(result.meta.readBack).toBe(true);
    expect(result.meta.operation).toBe("createTopic");
    expect(result.meta.attempts).toBe(3);
    expect(server.requests.map((r) => [r.operation, r.code ?? r.outcome])).toEqual([
      ["createTopic", "reset"],
      ["createTopic", duplicateIdCode],
      ["getTopic", 0],
    ]);
    expect(server.requests[2]!.body).toMatchObject({ GroupId: GROUP, TopicIdList: [id] });
    expect(server.applied.get(id)).toBe(1);
    expect(server.duplicates()).toEqual([]);
    expect(server.requests[1]!.random).toBe(server.requests[0]!.random); // both create attempts: one call
    expectNoSecrets(h, server);
  });

  it("a create with TopicId that timed out is read back the same way", async () => {
    const server = await serve({ script: [{ kind: "delay", ms: 2_000 }] });
    const h = harness(server.origin, { timeoutMs: 150 });
    const result = await h.im.createTopic(createBody("rb2", "readback2"));
    expect(result).toMatchObject({ TopicId: topicId("readback2"), meta: { readBack: true } });
    expect(server.applied.get(topicId("readback2"))).toBe(1);
  });

  it("10025 on the first attempt is a real conflict: TimApiError, no read-back", async () => {
    const server = await serve();
    server.seed({ GroupId: GROUP, TopicId: topicId("taken"), TopicName: "someone else's" });
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("mine", "taken")));
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: duplicateIdCode, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe("region failover", () => {
  const region = "sgp" as const;
  const hosts = regionHosts[region];

  /** A fetch that sends the region's primary origin to `primary` and its backup origin to `backup`. */
  const mapped =
    (primary: string, backup: string): typeof fetch =>
    (input, init) => {
      const url = new URL(String(input));
      const target = url.origin === hosts.primary ? primary : url.origin === hosts.backup ? backup : undefined;
      if (!target) throw new Error(`unexpected origin ${url.origin}`);
      return fetch(`${target}${url.pathname}${url.search}`, init);
    };

  it("a connect failure on the primary moves the call to the backup host at once, not counted as a retry", async () => {
    const server = await serve();
    const down = `http://127.0.0.1:${await closedPort()}`;
    const h = harness("", { baseUrl: undefined, region, failover: true, maxRetries: 0, fetch: mapped(down, server.origin) });
    const result = await h.im.createTopic(createBody("failover"));
    expect(result.meta.attempts).toBe(2);
    expect(h.sent.map((u) => new URL(u).origin)).toEqual([hosts.primary, hosts.backup]);
    expect(h.events.retry).toMatchObject([{ failover: true, delayMs: 0 }]);
    expect(server.requests).toHaveLength(1);
    expect(server.applied.get("name:failover")).toBe(1);
    expect(result.meta.url.startsWith(hosts.backup)).toBe(true);
    expectStableRandom(server.requests, result.meta.random);
    expectNoSecrets(h, server);
  });

  it("without failover the primary's connect failures are retried on the primary only", async () => {
    const server = await serve();
    const down = `http://127.0.0.1:${await closedPort()}`;
    const h = harness("", { baseUrl: undefined, region, maxRetries: 1, fetch: mapped(down, server.origin) });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBeInstanceOf(TimNetworkError);
    expect(h.sent.map((u) => new URL(u).origin)).toEqual([hosts.primary, hosts.primary]);
    expect(server.requests).toHaveLength(0);
  });

  it("a reset on the primary is not a connect failure: no failover, and no retry of a create without TopicId", async () => {
    const primary = await serve({ fallback: { kind: "resetAfterBody" } });
    const backup = await serve();
    const h = harness("", { baseUrl: undefined, region, failover: true, fetch: mapped(primary.origin, backup.origin) });
    const { error } = await settle(h.im.createTopic(createBody("no-failover")));
    expect(error).toMatchObject({ mayHaveBeenApplied: true, attempts: 1 });
    expect(backup.requests).toHaveLength(0);
    expect(primary.applied.get("name:no-failover")).toBe(1);
  });
});

describe("rate limiting", () => {
  it("1 000 concurrent calls at perSecond 125: never more than 125 sends in any 1 s window, all complete", async () => {
    const server = await serve();
    const sends: number[] = [];
    const perSecond = 125;
    const h = harness(server.origin, { rateLimit: { perSecond }, onRequest: () => sends.push(performance.timeOrigin + performance.now()) });
    const results = await Promise.allSettled(Array.from({ length: 1_000 }, () => h.im.getTopic(getBody())));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1_000);
    expect(sends).toHaveLength(1_000);
    expect(maxInWindow(sends)).toBeLessThanOrEqual(perSecond);
    expect(maxInWindow(server.requests.map((r) => r.at))).toBeLessThanOrEqual(perSecond);
  }, 20_000);

  it("rateLimit: true keeps a 1 000-call burst under IM's 200/s: the server never has to answer a rate-limit code", async () => {
    const limit = requestRules.getTopic.rateLimitPerSecond;
    const [tooFrequent] = retryCodes.getTopic["rate-limit"].filter((code) => code === 60018);
    const server = await serve();
    server.setScript((request) => {
      const recent = server.requests.filter((r) => r.at > request.at - 1_000 && r.index <= request.index).length;
      return recent > limit ? { kind: "im", code: tooFrequent! } : { kind: "ok" };
    });
    const h = harness(server.origin, { rateLimit: true });
    const results = await Promise.allSettled(Array.from({ length: 1_000 }, () => h.im.getTopic(getBody())));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(server.requests.filter((r) => r.code === tooFrequent)).toEqual([]);
    expect(server.requests).toHaveLength(1_000);
  }, 20_000);
});

describe("rate limiter (unit, fake clock)", () => {
  /** Runs `body` with fake timers and Date, giving it the limiter's clock. */
  async function withFakeClock(body: (now: () => number) => Promise<void>) {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 1_000_000 });
    try {
      await body(() => Date.now());
    } finally {
      vi.useRealTimers();
    }
  }
  const grantTimes = (limiter: (signal?: AbortSignal) => Promise<void>, count: number, start: number) =>
    Array.from({ length: count }, () => limiter().then(() => Date.now() - start));

  it("spaces sends evenly: N + 1 of them always span more than a second, in FIFO order", async () => {
    await withFakeClock(async (now) => {
      const perSecond = 7;
      const limiter = createWindowLimiter(perSecond, now);
      const start = now();
      const order: number[] = [];
      const times = grantTimes(limiter, 3 * perSecond + 1, start).map((p, i) => p.then((t) => (order.push(i), t)));
      await vi.advanceTimersByTimeAsync(5_000);
      const granted = await Promise.all(times);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (let i = 0; i + perSecond < granted.length; i++) expect(granted[i + perSecond]! - granted[i]!).toBeGreaterThan(1_000);
      expect(maxInWindow(granted)).toBeLessThanOrEqual(perSecond);
      expect(granted.at(-1)!).toBeLessThan(3 * 1_100); // ~1.05 s per N: the pacing margin stays small
    });
  });

  it("an aborted waiter gives its turn to the next one", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(2, now); // one send per 525 ms
      const start = now();
      const first = limiter();
      await vi.advanceTimersByTimeAsync(0);
      await first;
      const controller = new AbortController();
      const aborted = limiter(controller.signal).then(() => "granted", (reason) => reason);
      const next = limiter().then(() => now() - start);
      controller.abort("stop");
      expect(await aborted).toBe("stop");
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await next).toBeLessThan(600);
    });
  });

  it("an idle limiter does not bank sends for a later burst", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(4, now);
      await vi.advanceTimersByTimeAsync(10_000);
      const start = now();
      const times = grantTimes(limiter, 5, start);
      await vi.advanceTimersByTimeAsync(2_000);
      const granted = await Promise.all(times);
      expect(granted[4]! - granted[0]!).toBeGreaterThan(1_000);
    });
  });

  it("rejects at once with the reason of an already-aborted signal", async () => {
    const limiter = createWindowLimiter(1);
    await expect(limiter(AbortSignal.abort("gone"))).rejects.toBe("gone");
  });
});

describe("hooks", () => {
  it("carry operation, attempt, status, IM code, duration and a redacted URL", async () => {
    const [code] = retryCodes.getTopic.transient;
    const server = await serve({ script: [{ kind: "im", code, headers: NOW }] });
    const h = harness(server.origin);
    const result = await h.im.getTopic(getBody());
    const { request, response, retry, error } = h.events;
    expect(request.map((e) => [e.operation, e.attempt])).toEqual([
      ["getTopic", 1],
      ["getTopic", 2],
    ]);
    expect(response.map((e) => [e.attempt, e.status, e.code])).toEqual([
      [1, 200, code],
      [2, 200, 0],
    ]);
    for (const e of response) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(retry).toHaveLength(1);
    expect(retry[0]).toMatchObject({ operation: "getTopic", attempt: 1, delayMs: 0, resign: false, failover: false });
    expect(retry[0]!.error).toMatchObject({ name: "TimApiError", code });
    expect(error).toEqual([]);
    for (const e of [...request, ...response, ...retry]) {
      const url = new URL(e.url);
      expect(url.searchParams.get("usersig")).toBe("[REDACTED]");
      expect(url.searchParams.get("random")).toBe(String(result.meta.random));
      expect(url.pathname).toBe(requestRules.getTopic.path);
    }
    expectNoSecrets(h, server);
  });

  it("onError fires once with the final error, attempts and duration", async () => {
    const never = neverCode("createTopic");
    const server = await serve({ fallback: { kind: "im", code: never } });
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("hooked")));
    expect(h.events.error).toHaveLength(1);
    const event = h.events.error[0]!;
    expect(event.error).toBe(error);
    expect(event).toMatchObject({ operation: "createTopic", attempts: 1 });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(new URL(event.url).searchParams.get("usersig")).toBe("[REDACTED]");
    expectNoSecrets(h, server, error);
  });

  it("a hook that throws is a bug to surface, not a network failure to retry", async () => {
    const server = await serve();
    const bug = new Error("bug in my onResponse hook");
    const h = harness(server.origin, {
      onResponse: () => {
        throw bug;
      },
    });
    const { error } = await settle(h.im.getTopic(getBody()));
    expect(error).toBe(bug);
    expect(server.requests).toHaveLength(1);
  });
});

/** Found as bugs by fault injection (written first as `it.fails`), now fixed in client.ts / errors.ts. */
describe("safe-create details in client.ts / errors.ts", () => {
  it("client.ts: a 10025 after a retry that provably applied nothing is a real conflict, not a read-back", async () => {
    // The TopicId belongs to someone else's topic. Attempt 1 is refused for frequency (nothing applied), attempt 2
    // hears 10025: this call created nothing, yet createTopic reads the other topic back and reports success.
    const [rateLimited] = retryCodes.createTopic["rate-limit"];
    const server = await serve({ script: [{ kind: "im", code: rateLimited, headers: NOW }] });
    server.seed({ GroupId: GROUP, TopicId: topicId("taken"), TopicName: "someone else's" });
    const h = harness(server.origin);
    const { value, error } = await settle(h.im.createTopic(createBody("mine", "taken")));
    expect(value).toBeUndefined();
    expect(error).toMatchObject({ name: "TimApiError", code: duplicateIdCode });
  });

  it("client.ts: a read-back result's meta describes the whole createTopic call", async () => {
    const server = await serve({ script: [{ kind: "delay", ms: 2_000 }] });
    const h = harness(server.origin, { timeoutMs: 300 });
    const result = await h.im.createTopic(createBody("meta", "meta"));
    expect(result.meta.readBack).toBe(true);
    expect(result.meta.durationMs).toBeGreaterThanOrEqual(300); // the first attempt alone took 300 ms
    expect(String(result.meta.random)).toBe(server.requests[0]!.random); // the create's random, not the read's
  });

  it("errors.ts: a garbled 200 on a create without TopicId says the topic may exist", async () => {
    const server = await serve({ script: [{ kind: "malformedJson" }] });
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("garbled")));
    expect(server.applied.get("name:garbled")).toBe(1);
    expect(error).toMatchObject({ name: "TimResponseError", mayHaveBeenApplied: true });
  });
});
