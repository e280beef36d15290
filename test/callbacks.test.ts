/**
 * tim-topics/callbacks: IM's signing scheme (the doc's vector and its typo), the checks that keep every handler from
 * running on a request that is not IM's, dispatch of every command's doc example with its typed fields (iterating
 * the spec's x-webhooks), verdicts, failing handlers, and no token in any reply or event.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { callbackQuery, callbacks, rejectionCodes } from "../generated/callbacks.js";
import { listCallbacks } from "../scripts/lib/callbacks.mjs";
import { callbackSign, createCallbackHandler, signCallback, type CallbackEvent, type CallbackHandlerOptions } from "../src/callbacks/index.js";
import { TimConfigError } from "../src/errors.js";
import { errorsOf } from "./helpers/ajv.js";
import { spec } from "./helpers/fixtures.js";
import { importWithChunk, restoreChunks } from "./helpers/lazy-chunk.js";
import { deref, pointer } from "../scripts/lib/spec.mjs";

const TOKEN = "callback-token-for-tests";
const SDK_APP_ID = 888888;
const NOW = 1_669_872_112;
const entries = listCallbacks(spec).entries;
const example = (command: string) => structuredClone(entries.find((e) => e.command === command)!.body.examples.basic!);

function handler(extra: Partial<CallbackHandlerOptions> = {}) {
  const events: CallbackEvent[] = [];
  const calls: { name: string; body: unknown; context: unknown }[] = [];
  const record = (name: string) => (body: unknown, context: unknown) => void calls.push({ name, body, context });
  const handle = createCallbackHandler({
    sdkAppId: SDK_APP_ID,
    token: TOKEN,
    clock: () => NOW * 1000,
    on: Object.fromEntries(Object.values(callbacks).map((c) => [c.handler, record(c.handler)])),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { handle, events, calls };
}
const signed = (command: string, body = example(command), options: { time?: number; token?: string; sdkAppId?: number } = {}) =>
  signCallback({ token: options.token ?? TOKEN, sdkAppId: options.sdkAppId ?? SDK_APP_ID, command, body, time: options.time ?? NOW });
const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as { ActionStatus: string; ErrorCode: number; ErrorInfo: string } });
const BEFORE = "Group.CallbackBeforeCreateTopic";
/** A signed request (before-create by default) with its query changed afterwards, its body kept. */
async function withQuery(change: (query: URLSearchParams) => void, made: Promise<Request> = signed(BEFORE)) {
  const request = await made;
  const url = new URL(request.url);
  change(url.searchParams);
  return new Request(url, { method: "POST", body: await request.text() });
}
/** Each digit of a hex Sign as the control character 0x20 below it: equal to the digit once OR-ed with 0x20. */
const controlCharacterTwin = (sign: string) => sign.replace(/[0-9]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0x20));

describe("callbackSign: Sign = hex(sha256(Token + RequestTime))", () => {
  it("reproduces the published example with the token xxxxyyyy", async () => {
    expect(await callbackSign("xxxxyyyy", "1669872112")).toBe("17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061");
  });
  it("does not yield it for the IM page's typo xxxyyy (that hash is e78a8547…)", async () => {
    const typo = await callbackSign("xxxyyy", "1669872112");
    expect(typo).not.toBe("17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061");
    expect(typo).toBe("e78a85473bed2cdc8d6fa8c4d5a4ba4735fd64156e15a99516b9890293e135de");
  });
  it("agrees with node:crypto on other inputs (an independent implementation)", async () => {
    for (const [token, time] of [["t", "0"], ["令牌", "1700000000"], ["x".repeat(128), "99999999999"]]) {
      expect(await callbackSign(token!, time!)).toBe(createHash("sha256").update(token! + time!).digest("hex"));
    }
  });
});

describe("every command of the spec's x-webhooks", () => {
  it("the generated table and the spec agree", () => {
    expect(Object.keys(callbacks).sort()).toEqual(entries.map((e) => e.command).sort());
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries.map((e) => [e.command, e] as const))("%s: its doc example is verified, validated and dispatched with its fields and context", async (command, entry) => {
    const { handle, calls, events } = handler();
    const response = await answer(await handle(await signed(command)));
    expect(response).toEqual({ status: 200, body: { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" } });
    expect(calls).toEqual([
      { name: entry.handler, body: example(command), context: { command, sdkAppId: SDK_APP_ID, clientIP: "127.0.0.1", optPlatform: "RESTAPI", requestTime: NOW, signal: expect.any(AbortSignal) } },
    ]);
    expect(events).toEqual([]);
    // The reply validates against the spec's reply schema.
    expect(errorsOf(`${pointer([...entry.pointer, "responses", "200", "content", "application/json"])}/schema`, response.body)).toEqual([]);
  });

  it.each(entries.map((e) => [e.command] as const))("%s: unknown fields pass (IM adds fields)", async (command) => {
    const { handle, calls } = handler();
    const response = await handle(await signed(command, { ...example(command), EventTime: "1670574414123", SomethingNew: { a: 1 } }));
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
  });
});

describe("refused, and no handler runs", () => {
  const cases: [string, () => Promise<Request>, number, CallbackEvent["reason"]][] = [
    ["a stale RequestTime (61 s old)", () => signed(BEFORE, undefined, { time: NOW - 61 }), 401, "stale"],
    ["a future RequestTime (61 s ahead)", () => signed(BEFORE, undefined, { time: NOW + 61 }), 401, "stale"],
    ["a Sign made with another token", () => signed(BEFORE, undefined, { token: "not-the-token" }), 401, "sign"],
    ["another app's SdkAppid", () => signed(BEFORE, undefined, { sdkAppId: SDK_APP_ID + 1 }), 403, "sdkappid"],
    [
      "no Sign while a token is configured",
      () => signCallback({ sdkAppId: SDK_APP_ID, command: BEFORE, body: example(BEFORE) }),
      401,
      "unsigned",
    ],
    [
      "a tampered Sign",
      async () => {
        const request = await signed(BEFORE);
        const url = new URL(request.url);
        const sign = url.searchParams.get("Sign")!;
        url.searchParams.set("Sign", `${sign.slice(0, -1)}${sign.endsWith("0") ? "1" : "0"}`);
        return new Request(url, { method: "POST", body: await request.text() });
      },
      401,
      "sign",
    ],
    [
      "a RequestTime that is not what was signed",
      async () => {
        const request = await signed(BEFORE);
        const url = new URL(request.url);
        url.searchParams.set("RequestTime", String(NOW + 1));
        return new Request(url, { method: "POST", body: await request.text() });
      },
      401,
      "sign",
    ],
    [
      "a command in the query that is not the body's",
      async () => {
        const request = await signed(BEFORE);
        const url = new URL(request.url);
        url.searchParams.set("CallbackCommand", "Group.CallbackAfterCreateTopic");
        return new Request(url, { method: "POST", body: await request.text() });
      },
      400,
      "command",
    ],
    [
      "a body that is not JSON",
      async () => {
        const request = await signed(BEFORE);
        return new Request(request.url, { method: "POST", body: "{ not json" });
      },
      400,
      "body",
    ],
    ["a body without a documented required field", () => signed(BEFORE, { CallbackCommand: BEFORE, Type: "Community", Name: "x" }), 400, "body"],
    ["a TopicIdList that is not an array", () => signed("Group.CallbackAfterTopicDestroyed", { ...example("Group.CallbackAfterTopicDestroyed"), TopicIdList: "x" }), 400, "body"],
    [
      "a repeated Sign (a proxy may read the other one)",
      async () => {
        const request = await signed(BEFORE);
        const url = new URL(request.url);
        url.searchParams.append("Sign", "0".repeat(64));
        return new Request(url, { method: "POST", body: await request.text() });
      },
      400,
      "query",
    ],
    [
      "a body over 1 MiB (read no further)",
      async () => {
        const request = await signed(BEFORE);
        const big = JSON.stringify({ ...example(BEFORE), Name: "x".repeat(1024 * 1024) });
        return new Request(request.url, { method: "POST", body: big });
      },
      413,
      "too-large",
    ],
    [
      // 600 000 characters, 1 200 000 bytes: a limit counted in characters would let it through.
      "a multi-byte body over 1 MiB in bytes, under it in characters",
      async () => {
        const request = await signed(BEFORE);
        return new Request(request.url, { method: "POST", body: JSON.stringify({ ...example(BEFORE), Name: "é".repeat(600_000) }) });
      },
      413,
      "too-large",
    ],
    [
      "a streamed body with no Content-Length that grows past 1 MiB",
      async () => {
        const request = await signed(BEFORE);
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ >= 40) return controller.close(); // bounded: 40 × 64 KiB = 2.5 MiB
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          },
        });
        return new Request(request.url, { method: "POST", body: stream, duplex: "half" } as RequestInit);
      },
      413,
      "too-large",
    ],
    ["no CallbackCommand in the query (which handler must see it is unknown)", () => withQuery((q) => q.delete("CallbackCommand")), 400, "query"],
    ["an empty CallbackCommand in the query", () => withQuery((q) => q.set("CallbackCommand", "")), 400, "query"],
    ["no SdkAppid in the query", () => withQuery((q) => q.delete("SdkAppid")), 400, "query"],
    ["an unknown query command over a topic callback's body (the veto would be skipped)", () => withQuery((q) => q.set("CallbackCommand", "Group.CallbackAfterNewMemberJoin")), 400, "command"],
    ["a query command that names an Object.prototype member over a topic callback's body", () => withQuery((q) => q.set("CallbackCommand", "constructor")), 400, "command"],
    ["a Sign whose digits are control characters (equal to them under | 0x20)", () => withQuery((q) => q.set("Sign", controlCharacterTwin(q.get("Sign")!))), 401, "sign"],
    ["a Sign of 64 characters that are not all hex", () => withQuery((q) => q.set("Sign", `${q.get("Sign")!.slice(0, 63)}g`)), 401, "sign"],
    [
      "a GET",
      async () => new Request((await signed(BEFORE)).url),
      405,
      "method",
    ],
  ];

  it.each(cases)("%s", async (_, make, status, reason) => {
    const { handle, calls, events } = handler();
    const response = await answer(await handle(await make()));
    expect(response.status).toBe(status);
    expect(response.body.ErrorCode).not.toBe(0);
    expect(response.body.ActionStatus).toBe("FAIL");
    expect(calls).toEqual([]);
    expect(events).toMatchObject([{ kind: "refused", status, reason }]);
    expect(JSON.stringify(response.body) + JSON.stringify(events)).not.toContain(TOKEN);
  });

  it("a multi-byte body just under 1 MiB in bytes is read and dispatched", async () => {
    const { handle, calls } = handler();
    const request = await signed(BEFORE);
    const body = JSON.stringify({ ...example(BEFORE), Name: "é".repeat(520_000) }); // 1 040 000 bytes and the example's
    expect(new TextEncoder().encode(body).byteLength).toBeLessThan(1024 * 1024);
    expect((await handle(new Request(request.url, { method: "POST", body }))).status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it("the control-character twin of a Sign is really a different string that OR-ing 0x20 would call equal", async () => {
    const sign = new URL((await signed(BEFORE)).url).searchParams.get("Sign")!;
    const twin = controlCharacterTwin(sign);
    expect(twin).not.toBe(sign);
    expect([...twin].every((c, i) => (c.charCodeAt(0) | 0x20) === (sign.charCodeAt(i) | 0x20))).toBe(true);
  });

  it("a Sign in upper case is the same Sign (hex): accepted, and the handler runs", async () => {
    const { handle, calls, events } = handler();
    const request = await withQuery((q) => q.set("Sign", q.get("Sign")!.toUpperCase()));
    expect(new URL(request.url).searchParams.get("Sign")).toMatch(/[A-F]/);
    expect((await handle(request)).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it("RequestTime exactly maxSkewSeconds away either way still passes (the window is inclusive)", async () => {
    for (const time of [NOW - 60, NOW + 60]) {
      const { handle, calls } = handler();
      expect((await handle(await signed(BEFORE, undefined, { time }))).status).toBe(200);
      expect(calls).toHaveLength(1);
    }
  });
});

describe("verdicts and failures", () => {
  it("before-create: { allow: false } refuses with ErrorCode 1; { allow: false, code, info } passes an own code through", async () => {
    const refuse = handler({ on: { beforeCreateTopic: () => ({ allow: false }) } });
    expect((await answer(await refuse.handle(await signed(BEFORE)))).body).toEqual({ ActionStatus: "OK", ErrorCode: 1, ErrorInfo: "" });
    const own = handler({ on: { beforeCreateTopic: async (body) => ({ allow: false, code: 10150, info: `no ${body.Name}` }) } });
    expect((await answer(await own.handle(await signed(BEFORE)))).body).toEqual({ ActionStatus: "OK", ErrorCode: 10150, ErrorInfo: "no MyFirstTopic" });
    const allow = handler({ on: { beforeCreateTopic: () => ({ allow: true }) } });
    expect((await answer(await allow.handle(await signed(BEFORE)))).body.ErrorCode).toBe(0);
  });

  it("a refusal code outside the spec's rejection range still refuses (ErrorCode 1), reported to onEvent as a TimConfigError", async () => {
    for (const code of [rejectionCodes.minimum - 1, rejectionCodes.maximum + 1, 10150.5]) {
      const { handle, events } = handler({ on: { beforeCreateTopic: () => ({ allow: false, code, info: "no" }) } });
      expect((await answer(await handle(await signed(BEFORE)))).body).toEqual({ ActionStatus: "OK", ErrorCode: 1, ErrorInfo: "no" });
      expect(events).toMatchObject([{ kind: "handler-failed", reason: "verdict" }]);
      expect(events[0]!.error).toBeInstanceOf(TimConfigError);
    }
    // The range's own ends pass through.
    for (const code of [rejectionCodes.minimum, rejectionCodes.maximum]) {
      const { handle } = handler({ on: { beforeCreateTopic: () => ({ allow: false, code }) } });
      expect((await answer(await handle(await signed(BEFORE)))).body.ErrorCode).toBe(code);
    }
  });

  it.each([
    ["an object", { reason: "spam" }],
    ["a number", 42],
  ] as const)("a refusal whose info is %s still refuses, with ErrorCode 1 and an empty ErrorInfo, reported as an invalid verdict", async (_, info) => {
    for (const code of [undefined, 10150]) {
      const { handle, events } = handler({ on: { beforeCreateTopic: () => ({ allow: false, code, info }) as never } });
      const response = await answer(await handle(await signed(BEFORE)));
      expect(response).toEqual({ status: 200, body: { ActionStatus: "OK", ErrorCode: 1, ErrorInfo: "" } });
      expect(events).toMatchObject([{ kind: "handler-failed", reason: "verdict", error: { name: "TimConfigError", option: "info" } }]);
    }
  });

  it("a verdict of true allows and false refuses (ErrorCode 1), without an event", async () => {
    for (const [verdict, code] of [[true, 0], [false, 1]] as const) {
      const { handle, events } = handler({ on: { beforeCreateTopic: () => verdict as never } });
      expect((await answer(await handle(await signed(BEFORE)))).body.ErrorCode).toBe(code);
      expect(events).toEqual([]);
    }
  });

  it.each([
    ["a string", "no"],
    ["an object without allow", { code: 10150 }],
    ["null", null],
  ] as const)("a verdict that is %s refuses (never turned into an approval) and is reported", async (_, verdict) => {
    const { handle, events } = handler({ on: { beforeCreateTopic: () => verdict as never } });
    expect((await answer(await handle(await signed(BEFORE)))).body.ErrorCode).toBe(1);
    expect(events).toMatchObject([{ kind: "handler-failed", reason: "verdict" }]);
  });

  it.each([
    ["throws", { beforeCreateTopic: () => Promise.reject(new Error(`boom ${TOKEN}`)) }, "threw"],
    ["outlasts handlerTimeoutMs", { beforeCreateTopic: () => new Promise<void>(() => {}) }, "timeout"],
  ] as const)("a before-create handler that %s answers by onBeforeCreateFailure (allow by default, or deny)", async (_, on, reason) => {
    for (const policy of ["allow", "deny"] as const) {
      const { handle, events } = handler({ on, onBeforeCreateFailure: policy, handlerTimeoutMs: 30 });
      const response = await answer(await handle(await signed(BEFORE)));
      expect(response).toEqual({ status: 200, body: { ActionStatus: "OK", ErrorCode: policy === "allow" ? 0 : 1, ErrorInfo: "" } });
      expect(events).toMatchObject([{ kind: "handler-failed", reason }]);
      expect(JSON.stringify(response.body) + events[0]!.message).not.toContain(TOKEN);
    }
  });

  it("an after-callback handler that throws or outlasts the budget answers 5xx", async () => {
    for (const on of [{ afterCreateTopic: () => Promise.reject(new Error("db down")) }, { afterCreateTopic: () => new Promise<void>(() => {}) }]) {
      const { handle, events } = handler({ on, handlerTimeoutMs: 30 });
      const response = await answer(await handle(await signed("Group.CallbackAfterCreateTopic")));
      expect(response.status).toBe(500);
      expect(response.body.ErrorCode).not.toBe(0);
      expect(events).toHaveLength(1);
    }
  });

  it("a handler that fails after its time is reported as late; its signal aborts when the time is up", async () => {
    for (const [command, on] of [
      [BEFORE, "beforeCreateTopic"],
      ["Group.CallbackAfterCreateTopic", "afterCreateTopic"],
    ] as const) {
      let signal: AbortSignal | undefined;
      let fail!: (error: Error) => void;
      const slow = (_: unknown, context: { signal: AbortSignal }) => {
        signal = context.signal;
        return new Promise<never>((_, reject) => (fail = reject));
      };
      const { handle, events } = handler({ handlerTimeoutMs: 20, on: { [on]: slow } });
      const response = await handle(await signed(command));
      expect(response.status).toBe(command === BEFORE ? 200 : 500);
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toMatchObject({ name: "TimeoutError" });
      expect(events).toMatchObject([{ kind: "handler-failed", reason: "timeout" }]);
      fail(new Error("db down"));
      await vi.waitFor(() => expect(events).toMatchObject([{ reason: "timeout" }, { kind: "handler-failed", reason: "late", command, error: { message: "db down" } }]));
      expect(events[1]!.message).not.toContain(TOKEN);
    }
  });

  it("a handler that finishes in time keeps its signal unaborted, and one that succeeds late is not reported", async () => {
    let signal: AbortSignal | undefined;
    const inTime = handler({ on: { afterCreateTopic: (_, context) => void (signal = context.signal) } });
    expect((await inTime.handle(await signed("Group.CallbackAfterCreateTopic"))).status).toBe(200);
    expect(signal?.aborted).toBe(false);
    let finish!: () => void;
    const late = handler({ handlerTimeoutMs: 20, on: { afterCreateTopic: () => new Promise<void>((resolve) => (finish = resolve)) } });
    await late.handle(await signed("Group.CallbackAfterCreateTopic"));
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(late.events.map((e) => e.reason)).toEqual(["timeout"]);
  });

  it("a command it has no handler for, and another callback of the app, are acknowledged (200, ErrorCode 0)", async () => {
    const { handle } = handler({ on: {} });
    expect((await answer(await handle(await signed(BEFORE)))).body).toEqual({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" });
    const other = await signed("Group.CallbackAfterNewMemberJoin", { GroupId: "@TGS#2J4SZEAEL", Type: "Public" });
    expect((await answer(await handle(other))).body.ErrorCode).toBe(0);
    // A body that is JSON but no object names no topic command either.
    const list = await withQuery(() => {}, signed("Group.CallbackAfterNewMemberJoin", {}));
    expect((await answer(await handle(new Request(list.url, { method: "POST", body: "[1]" })))).body.ErrorCode).toBe(0);
  });
});

describe("the query parameters: generated from the spec", () => {
  const specParameters = (entry: (typeof entries)[number]) =>
    (entry.operation.parameters as Parameters<typeof deref>[1][]).map((p) => deref(spec, p) as { name: string; in: string; required?: boolean; schema?: { pattern?: string } });
  const generated = callbackQuery as Record<string, { required: boolean; pattern?: RegExp }>;

  it.each(entries.map((e) => [e.command, e] as const))("%s: callbackQuery is its parameters, by wire name, with required and pattern", (_, entry) => {
    const parameters = specParameters(entry);
    expect(Object.keys(generated).sort()).toEqual(parameters.map((p) => p.name).sort());
    for (const p of parameters) {
      expect(p.in).toBe("query");
      expect(generated[p.name]!.required).toBe(p.required === true);
      expect(generated[p.name]!.pattern?.source).toBe(p.schema?.pattern);
    }
  });

  it("signCallback sends the spec's parameters under their wire names, signed or not, and nothing else", async () => {
    const names = specParameters(entries[0]!).map((p) => p.name).sort();
    expect([...new URL((await signed(BEFORE)).url).searchParams.keys()].sort()).toEqual(names);
    const unsigned = await signCallback({ sdkAppId: SDK_APP_ID, command: BEFORE, body: example(BEFORE) });
    expect([...new URL(unsigned.url).searchParams.keys()].sort()).toEqual(names.filter((n) => n !== "Sign" && n !== "RequestTime"));
  });
});

describe("options", () => {
  it.each([
    [{ sdkAppId: 0, token: TOKEN, on: {} }, "sdkAppId"],
    [{ sdkAppId: SDK_APP_ID, on: {} }, "token"],
    [{ sdkAppId: SDK_APP_ID, token: "", on: {} }, "token"],
    [{ sdkAppId: SDK_APP_ID, token: TOKEN, on: { beforeCreateTopc: () => {} } }, "on"],
    [{ sdkAppId: SDK_APP_ID, token: TOKEN, on: {}, handlerTimeoutMs: 2000 }, "handlerTimeoutMs"],
    // A verdict where the handler belongs: it would throw on every request, and a failing veto allows by default.
    [{ sdkAppId: SDK_APP_ID, token: TOKEN, on: { beforeCreateTopic: { allow: false } } }, "on"],
    [{ sdkAppId: SDK_APP_ID, token: TOKEN, on: { afterCreateTopic: "log" } }, "on"],
    [{ sdkAppId: SDK_APP_ID, token: TOKEN, on: { beforeCreateTopic: undefined } }, "on"],
  ])("refuses %o, naming `%s`", (options, option) => {
    expect(() => createCallbackHandler(options as CallbackHandlerOptions)).toThrow(expect.objectContaining({ name: "TimConfigError", option }));
  });

  it("runs without a token only with insecureAcceptUnsigned, and then needs no Sign", async () => {
    const calls: unknown[] = [];
    const handle = createCallbackHandler({ sdkAppId: SDK_APP_ID, insecureAcceptUnsigned: true, on: { afterTopicDestroyed: (body) => void calls.push(body.TopicIdList) } });
    const request = await signCallback({ sdkAppId: SDK_APP_ID, command: "Group.CallbackAfterTopicDestroyed", body: example("Group.CallbackAfterTopicDestroyed") });
    expect((await handle(request)).status).toBe(200);
    expect(calls).toEqual([example("Group.CallbackAfterTopicDestroyed").TopicIdList]);
  });
});

describe("the lazily loaded dispatch (body reader, validator, verdicts)", () => {
  afterEach(restoreChunks);

  it("a failed load is not kept: the next request loads it again", async () => {
    const { fresh, loads } = await importWithChunk<typeof import("../src/callbacks/index.js")>("src/callbacks/dispatch.js", "fails once", "src/callbacks/index.js");
    const handle = fresh.createCallbackHandler({ sdkAppId: SDK_APP_ID, token: TOKEN, clock: () => NOW * 1000, on: {} });
    const first = await handle(await signed(BEFORE)).then((r) => r.status, (e: unknown) => e);
    expect(first).not.toBe(200);
    expect((await handle(await signed(BEFORE))).status).toBe(200);
    expect(loads()).toBe(2);
  });
});
