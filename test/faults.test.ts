/**
 * Fault injection against a real loopback server (test/helpers/fault-server.ts): every scenario checks the attempts
 * the server saw, the outcome, that `random` stayed the same on every attempt, that no create was applied twice, and
 * that neither the secret key nor any UserSig appears in the error (String, stack, JSON, util.inspect with its cause)
 * or in any hook event.
 */
import { afterEach, describe, expect, it } from "vitest";
import { errorCodeRows } from "../generated/error-codes.js";
import { regionHosts } from "../generated/hosts.js";
import { operationIds, type OperationId } from "../generated/operations.js";
import { operationTable } from "../src/operations.js";
import { retryCodes } from "../generated/retry-codes.js";
import {
  TimAbortError,
  TimApiError,
  TimError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  verifyUserSig,
} from "../src/index.js";
import { RETRY_AFTER_MAX_MS, BACKOFF_BASE_MS } from "../src/retry-policy.js";
import {
  closeAllFaultServers,
  closedPort,
  maxInWindow,
  type Behaviour,
  type FaultServer,
} from "./helpers/fault-server.js";

import { ADMIN, callableBody, createBody, expectNoSecrets, expectStableRandom, getBody, GROUP, harness, NOW, SDK_APP_ID, SECRET, serve, settle, topicId, until } from "./helpers/harness.js";

const [duplicateIdCode] = operationTable.createTopic.duplicateIdCodes!;
/** A `transient` IM code (10002, "internal error; retry"), from the generated table. */
const [TRANSIENT] = retryCodes.getTopic.transient;

afterEach(closeAllFaultServers);

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
      await server.seed({ GroupId: GROUP, TopicId: topicId("t1"), TopicName: "t1" });
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
  const table: Record<string, readonly number[]> = retryCodes[operation];
  return [...Object.entries(table).flatMap(([retry, codes]) => codes.map((code): [string, number] => [retry, code])), ["never", neverCode(operation)]];
}

describe("IM error codes in HTTP 200 bodies, by generated retry class, for every operation by its idempotency", () => {
  interface Case {
    operation: OperationId;
    retry: string;
    code: number;
    /** For keyed operations: whether the body carries the key (the caller's own TopicId). */
    keyed: boolean;
  }
  const cases: Case[] = operationIds.flatMap((operation): Case[] =>
    codesByClass(operation).flatMap(([retry, code]): Case[] =>
      operationTable[operation].idempotency === "keyed"
        ? [
            { operation, retry, code, keyed: false },
            { operation, retry, code, keyed: true },
          ]
        : [{ operation, retry, code, keyed: false }],
    ),
  );

  it("covers every operation of the spec", () => {
    expect(new Set(cases.map((c) => c.operation))).toEqual(new Set(operationIds));
  });

  it.each(cases)("$operation (with its key: $keyed) answered $code ($retry)", async ({ operation, retry, code, keyed }: Case) => {
    const server = await serve({ script: [{ kind: "im", code, headers: NOW }] });
    const body = await callableBody(server, operation, `n${code}`, keyed);
    const h = harness(server.origin);
    const call = (h.im[operation] as (b: unknown) => Promise<{ meta: { attempts: number; random: number } }>)(body);
    const { value, error } = await settle(call);
    // Retried: rate-limit and resign always; transient when repeating is harmless; never: never.
    const idempotent = operationTable[operation].idempotency === "safe" || keyed;
    const retried = retry === "rate-limit" || retry === "resign" || (retry === "transient" && idempotent);
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
    if (operationTable[operation].idempotency !== "safe") expect([...server.applied.values()]).toEqual(retried ? [1] : []);
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
    await server.seed({ GroupId: GROUP, TopicId: topicId("taken"), TopicName: "someone else's" });
    const h = harness(server.origin);
    const { error } = await settle(h.im.createTopic(createBody("mine", "taken")));
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: duplicateIdCode, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe("the duplicate-ID and already-done policies, for every operation the table gives them", () => {
  const readBackOperations = operationIds.filter((operation) => operationTable[operation].readBack !== undefined);
  const alreadyDoneOperations = operationIds.filter((operation) => operationTable[operation].alreadyAppliedCodes !== undefined);

  it("the spec gives them to some operations", () => {
    expect(readBackOperations.length).toBeGreaterThan(0);
    expect(alreadyDoneOperations.length).toBeGreaterThan(0);
  });

  it.each(readBackOperations)("%s with its key: applied by a lost attempt, a duplicate-ID code on the retry, read back; applied once", async (operation) => {
    const { duplicateIdCodes, readBack } = operationTable[operation];
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const body = await callableBody(server, operation, `rb-${operation}`, true);
    const h = harness(server.origin);
    const result = (await (h.im[operation] as (b: unknown) => Promise<Record<string, any>>)(body)) as { meta: { readBack?: boolean; attempts: number } };
    expect(result.meta).toMatchObject({ readBack: true, attempts: 3 });
    expect(server.requests.map((r) => [r.operation, r.code ?? r.outcome])).toEqual([
      [operation, "reset"],
      [operation, duplicateIdCodes![0]],
      [readBack!.operation, 0],
    ]);
    expect([...server.applied.values()]).toEqual([1]);
  });

  it.each(alreadyDoneOperations)("%s: an item the lost attempt did answers its already-done code on the retry, and is ok", async (operation) => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const body = await callableBody(server, operation, `done-${operation}`, false);
    const h = harness(server.origin);
    const result = (await (h.im[operation] as (b: unknown) => Promise<Record<string, any>>)(body)) as Record<string, any>;
    const items = operationTable[operation].items!;
    expect(result.meta.attempts).toBe(2);
    expect(result[items.as].length).toBeGreaterThan(0);
    for (const outcome of result[items.as]) expect(outcome).toMatchObject({ ok: true, alreadyApplied: true });
    expect((result.response[items.array] as { ErrorCode: number }[]).map((i) => i.ErrorCode).every((c) => operationTable[operation].alreadyAppliedCodes!.includes(c))).toBe(true);
  });
});

describe("network and HTTP faults, for every operation by its idempotency", () => {
  // Each fault happens once, then the server answers as IM would. The rule under test is the table's: a call is
  // repeated after a fault that may have been applied only if repeating it is safe (safe, or keyed and carrying its key).
  const faults: { name: string; behaviour: Behaviour; applied: boolean }[] = [
    { name: "a reset before the body is read", behaviour: { kind: "resetBeforeBody" }, applied: false },
    { name: "a reset after the body is read", behaviour: { kind: "resetAfterBody" }, applied: true },
    { name: "502 with an HTML page", behaviour: { kind: "http", status: 502, body: "<html>bad gateway</html>", contentType: "text/html" }, applied: false },
    { name: "a 200 that is not JSON", behaviour: { kind: "malformedJson" }, applied: true },
    { name: "a 200 cut mid-body", behaviour: { kind: "dropMidBody" }, applied: true },
    { name: "an answer slower than timeoutMs", behaviour: { kind: "delay", ms: 1_000 }, applied: true },
  ];
  const cases = operationIds.flatMap((operation) =>
    (operationTable[operation].idempotency === "keyed" ? [false, true] : [false]).flatMap((keyed) => faults.map((fault) => ({ operation, keyed, ...fault }))),
  );

  it("covers every operation of the spec", () => {
    expect(new Set(cases.map((c) => c.operation))).toEqual(new Set(operationIds));
  });

  it.each(cases)("$operation (key: $keyed), $name", async ({ operation, keyed, behaviour, applied }) => {
    const server = await serve({ script: [behaviour] });
    const body = await callableBody(server, operation, `net-${operation}-${keyed}`, keyed);
    const h = harness(server.origin, { timeoutMs: 300 });
    const { value, error } = await settle((h.im[operation] as (b: unknown) => Promise<{ meta: { attempts: number; random: number } }>)(body));
    const repeatable = operationTable[operation].idempotency === "safe" || keyed;
    if (repeatable) {
      expect(error).toBeUndefined();
      expect(value!.meta.attempts).toBeGreaterThanOrEqual(2);
    } else {
      expect(error).toBeInstanceOf(TimError);
      expect(error).toMatchObject({ attempts: 1, mayHaveBeenApplied: true });
      expect(server.requests).toHaveLength(1);
    }
    // Never applied twice; applied once when the fault came after the server had processed it, or after a retry.
    expect(server.duplicates()).toEqual([]);
    if (operationTable[operation].idempotency !== "safe") expect([...server.applied.values()]).toEqual(applied || repeatable ? [1] : []);
    // The call's own attempts share one random (a read-back after a lost answer is a call of its own).
    expectStableRandom(server.requests.filter((r) => r.operation === operation), value?.meta.random ?? (error as TimError).random);
    expectNoSecrets(h, server, error);
  });
});

describe("an attempt that may have been applied is never forgotten by the call's final error", () => {
  // Every operation, with and without its key: those whose first attempt is repeated after a lost answer.
  const repeated = operationIds.flatMap((operation) => {
    const { idempotency } = operationTable[operation];
    return idempotency === "safe" ? [{ operation, keyed: false }] : idempotency === "keyed" ? [{ operation, keyed: true }] : [];
  });

  it("covers every operation that repeats after a lost answer", () => {
    expect(repeated.length).toBeGreaterThan(0);
    for (const operation of operationIds) if (operationTable[operation].idempotency !== "unsafe") expect(repeated.map((r) => r.operation)).toContain(operation);
  });

  it.each(repeated.flatMap((r) => [
    { ...r, then: "a refusal (never retried)", behaviour: (op: OperationId): Behaviour => ({ kind: "im", code: neverCode(op) }), name: "TimApiError" },
    { ...r, then: "HTTP 400", behaviour: (): Behaviour => ({ kind: "http", status: 400 }), name: "TimHttpError" },
  ]))("$operation (key: $keyed): a lost answer, then $then: the final error says it may have been applied", async ({ operation, keyed, behaviour, name }) => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }, behaviour(operation)] });
    const body = await callableBody(server, operation, "lost-then-refused", keyed);
    const h = harness(server.origin);
    const { error } = await settle((h.im[operation] as (b: unknown) => Promise<unknown>)(body));
    expect(error).toMatchObject({ name, attempts: 2, mayHaveBeenApplied: true });
    expect((error as Error).message).toContain("may have been applied");
    expect(server.requests.map((r) => r.outcome)).toEqual(["reset", expect.anything()]);
  });
});

describe("the table's per-operation policies, against lost answers", () => {
  it("destroy: a topic the lost attempt destroyed answers 110003 on the retry, and is ok (alreadyApplied)", async () => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const ids = [topicId("d1"), topicId("d2")];
    for (const id of ids) await server.seed({ GroupId: GROUP, TopicId: id, TopicName: "to destroy" });
    const h = harness(server.origin);
    const result = await h.im.destroyTopic({ GroupId: GROUP, TopicIdList: ids });
    expect(result.meta.attempts).toBe(2);
    expect(server.requests.map((r) => r.outcome)).toEqual(["reset", 200]);
    expect(result.topics).toEqual(ids.map((TopicId) => ({ ok: true, TopicId, alreadyApplied: true })));
    expect(result.response.DestroyResultItem?.map((i) => i.ErrorCode)).toEqual([110003, 110003]);
    expect(server.topics.size).toBe(0);
  });

  it.each([10002, 110002])("destroy: a top-level %i that carries per-topic results keeps them (the items are authoritative)", async (code) => {
    const ids = [topicId("gone"), topicId("kept")];
    const items = [
      { ErrorCode: 0, ErrorInfo: "", TopicId: ids[0] },
      { ErrorCode: 110002, ErrorInfo: "destroy failed", TopicId: ids[1] },
    ];
    const answer = Buffer.from(JSON.stringify({ ActionStatus: "FAIL", ErrorCode: code, ErrorInfo: "partly", DestroyResultItem: items }));
    const server = await serve({ script: [{ kind: "bytes", headers: { "content-type": "application/json" }, body: answer }] });
    const h = harness(server.origin);
    const result = await h.im.destroyTopic({ GroupId: GROUP, TopicIdList: ids });
    expect(result.topics).toMatchObject([
      { ok: true, TopicId: ids[0] },
      { ok: false, TopicId: ids[1], error: { code: 110002 } },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it("destroy: 110003 on a first attempt stays a per-topic error (destroyed before this call)", async () => {
    const server = await serve();
    await server.seed({ GroupId: GROUP, TopicId: topicId("old"), TopicName: "old" });
    const h = harness(server.origin);
    await h.im.destroyTopic({ GroupId: GROUP, TopicIdList: [topicId("old")] });
    const again = await h.im.destroyTopic({ GroupId: GROUP, TopicIdList: [topicId("old")] });
    expect(again.meta.attempts).toBe(1);
    expect(again.topics).toMatchObject([{ ok: false, TopicId: topicId("old"), error: { name: "TimApiError", code: 110003 } }]);
  });

  it("import with its own TopicId: applied by a lost attempt, 10021 on the retry, read back; applied once", async () => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const h = harness(server.origin);
    const id = topicId("imported");
    const result = await h.im.importTopic({ GroupId: GROUP, TopicId: id, TopicName: "imported", CreateTime: 1448357837 });
    expect(result).toMatchObject({ TopicId: id, meta: { readBack: true, attempts: 3 } });
    expect(server.requests.map((r) => [r.operation, r.code ?? r.outcome])).toEqual([
      ["importTopic", "reset"],
      ["importTopic", 10021],
      ["getTopic", 0],
    ]);
    expect(server.applied.get(id)).toBe(1);
  });

  it("import without a TopicId: never repeated after a failure that may have been applied", async () => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    const h = harness(server.origin);
    const { error } = await settle(h.im.importTopic({ GroupId: GROUP, TopicName: "once" }));
    expect(error).toMatchObject({ name: "TimNetworkError", mayHaveBeenApplied: true, attempts: 1 });
    expect(server.applied.get("name:once")).toBe(1);
  });

  it("modify: retried after a lost answer like a read (safe to repeat)", async () => {
    const server = await serve({ script: [{ kind: "resetAfterBody" }] });
    await server.seed({ GroupId: GROUP, TopicId: topicId("m"), TopicName: "before" });
    const h = harness(server.origin);
    const result = await h.im.modifyTopic({ GroupId: GROUP, TopicId: topicId("m"), TopicName: "after" });
    expect(result.meta.attempts).toBe(2);
    expect(server.topics.get(topicId("m"))?.TopicName).toBe("after");
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
    const limit = operationTable.getTopic.rateLimitPerSecond;
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
      expect(url.pathname).toBe(operationTable.getTopic.path);
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
    await server.seed({ GroupId: GROUP, TopicId: topicId("taken"), TopicName: "someone else's" });
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
