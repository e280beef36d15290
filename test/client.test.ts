/** createClient with an injected fetch: options, hosts, query, signing cache, validation before the network, secrets. */
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createClient,
  regionHosts,
  TimAbortError,
  TimApiError,
  TimConfigError,
  TimNetworkError,
  TimTimeoutError,
  TimValidationError,
  verifyUserSig,
  type ClientOptions,
  type ErrorEvent,
  type TimError,
} from "../src/index.js";
import { mayHaveBeenApplied } from "../src/retry-policy.js";
import { errorCodeRows } from "../generated/error-codes.js";
import { retryCodes } from "../generated/retry-codes.js";
import { operationTable } from "../src/operations.js";
import { until } from "./helpers/harness.js";
import { forgetFailedLoads, importWithChunk, restoreChunks, type ChunkFault } from "./helpers/lazy-chunk.js";

const SECRET = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const base = { sdkAppId: 1400000000, identifier: "administrator", secretKey: SECRET } satisfies ClientOptions;
const GROUP = "@TGS#_@TGS#cQVLVHIM62CJ";

/** A fetch double answering one IM body, recording every request. */
function fakeFetch(answer: Record<string, unknown> = { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicId: `${GROUP}@TOPIC#_@TOPIC#x` }) {
  const requests: { url: URL; body: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ url: new URL(String(input)), body: String(init?.body), headers: new Headers(init?.headers) });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } });
  };
  return { fetch, requests };
}

describe("createClient options", () => {
  it.each([
    [{ ...base, sdkAppId: 0 }, "sdkAppId"],
    [{ ...base, sdkAppId: 1.5 }, "sdkAppId"],
    [{ ...base, sdkAppId: 2 ** 53 }, "sdkAppId"],
    [{ ...base, identifier: "" }, "identifier"],
    [{ ...base, identifier: "admin\ud800" }, "identifier"],
    [{ ...base, secretKey: "" }, "secretKey"],
    [{ sdkAppId: 1, identifier: "a", userSig: "" }, "userSig"],
    [{ sdkAppId: 1, identifier: "a", userSig: 42 }, "userSig"],
    [{ ...base, userSigTtlSeconds: 119 }, "userSigTtlSeconds"],
    [{ ...base, userSigTtlSeconds: 3600.5 }, "userSigTtlSeconds"],
    [{ sdkAppId: 1, identifier: "a" }, "secretKey"],
    [{ ...base, userSig: "sig" }, "secretKey"],
    [{ ...base, region: "mars" }, "region"],
    [{ ...base, region: "sgp", baseUrl: "http://127.0.0.1:1" }, "baseUrl"],
    [{ ...base, baseUrl: "127.0.0.1:4010" }, "baseUrl"],
    [{ ...base, timeoutMs: 0 }, "timeoutMs"],
    [{ ...base, maxRetries: -1 }, "maxRetries"],
    [{ ...base, deadlineMs: 1.5 }, "deadlineMs"],
    [{ ...base, rateLimit: { perSecond: 0 } }, "rateLimit"],
    [{ ...base, failover: true }, "failover"],
    [{ ...base, region: "jpn", failover: true }, "failover"],
  ] as [ClientOptions, string][])("refuses %o, naming `%s`", (options, option) => {
    let thrown: unknown;
    try {
      createClient(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TimConfigError);
    expect((thrown as TimConfigError).option).toBe(option);
    expect((thrown as Error).message).toContain(`\`${option}\``);
    expect(inspect(thrown)).not.toContain(SECRET);
  });

  it("sends to the region's primary host, under the /v4 path", async () => {
    const { fetch, requests } = fakeFetch();
    await createClient({ ...base, region: "sgp", fetch }).createTopic({ GroupId: GROUP, TopicName: "t" });
    expect(requests[0]!.url.origin).toBe(regionHosts.sgp.primary);
    expect(requests[0]!.url.pathname).toBe(operationTable.createTopic.path);
    expect(requests[0]!.url.pathname.startsWith("/v4/")).toBe(true);
  });

  it("defaults to the China host", async () => {
    const { fetch, requests } = fakeFetch();
    await createClient({ ...base, fetch }).createTopic({ GroupId: GROUP, TopicName: "t" });
    expect(requests[0]!.url.origin).toBe(regionHosts.cn.primary);
  });
});

describe("calls", () => {
  it("fills the five query parameters, with a fresh uint32 random per call and one cached, valid UserSig", async () => {
    const { fetch, requests } = fakeFetch();
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch });
    await im.createTopic({ GroupId: GROUP, TopicName: "a" });
    await im.createTopic({ GroupId: GROUP, TopicName: "b" });
    const [first, second] = requests.map((r) => r.url.searchParams);
    for (const query of [first!, second!]) {
      expect([...query.keys()].sort()).toEqual(["contenttype", "identifier", "random", "sdkappid", "usersig"]);
      expect(query.get("contenttype")).toBe("json");
      const random = Number(query.get("random"));
      expect(Number.isInteger(random) && random >= 0 && random <= 0xffffffff).toBe(true);
    }
    expect(first!.get("random")).not.toBe(second!.get("random"));
    expect(first!.get("usersig")).toBe(second!.get("usersig")); // cached
    const check = await verifyUserSig(first!.get("usersig")!, { sdkAppId: base.sdkAppId, secretKey: SECRET, identifier: base.identifier });
    expect(check.ok).toBe(true);
    expect(JSON.parse(requests[0]!.body)).toEqual({ GroupId: GROUP, TopicName: "a" });
    expect(requests[0]!.headers.get("content-type")).toContain("application/json");
  });

  it("encodes an identifier that needs it, and signs for it as given", async () => {
    const { fetch, requests } = fakeFetch();
    const identifier = "管理员 a&b=c?d#e+f";
    await createClient({ ...base, identifier, baseUrl: "http://127.0.0.1:9", fetch }).createTopic({ GroupId: GROUP, TopicName: "a" });
    const query = requests[0]!.url.searchParams;
    expect([...query.keys()]).toEqual(["sdkappid", "identifier", "usersig", "random", "contenttype"]);
    expect(query.get("identifier")).toBe(identifier);
    expect((await verifyUserSig(query.get("usersig")!, { sdkAppId: base.sdkAppId, secretKey: SECRET, identifier })).ok).toBe(true);
  });

  it("gives each attempt headers of its own, a Headers: a custom fetch that changes them changes no later attempt or call", async () => {
    const seen: [string | null, string | null, string | null][] = [];
    let calls = 0;
    const fetch: typeof globalThis.fetch = async (_input, init) => {
      const headers = init!.headers as Headers; // what the README promises: a Headers, fresh per attempt
      seen.push([headers.get("content-type"), headers.get("x-request-tag"), headers.get("x-trace")]);
      headers.append("x-trace", "leaked"); // a wrapper that writes into what it was given
      // The first attempt of each call fails with a transient code, so every call has a second attempt.
      const body = ++calls % 2 === 1 ? { ActionStatus: "FAIL", ErrorCode: retryCodes.createTopic.transient[0], ErrorInfo: "busy" } : { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicId: `${GROUP}@TOPIC#_x` };
      return new Response(JSON.stringify(body), { status: 200 });
    };
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch });
    await im.modifyTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_x`, TopicName: "a" });
    await im.modifyTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_x`, TopicName: "b" }, { headers: { "X-Request-Tag": "t" } });
    expect(seen).toEqual([
      ["application/json", null, null],
      ["application/json", null, null],
      ["application/json", "t", null],
      ["application/json", "t", null],
    ]);
  }, 10_000);

  it("uses a userSig function and sends what it returns", async () => {
    const { fetch, requests } = fakeFetch();
    const im = createClient({ sdkAppId: 1, identifier: "admin", userSig: async () => "from-backend", baseUrl: "http://127.0.0.1:9", fetch });
    await im.createTopic({ GroupId: GROUP, TopicName: "a" });
    expect(requests[0]!.url.searchParams.get("usersig")).toBe("from-backend");
  });

  it("refuses bad input before any request", async () => {
    const { fetch, requests } = fakeFetch();
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch });
    await expect(im.createTopic({ GroupId: GROUP, TopicName: "x".repeat(31) })).rejects.toBeInstanceOf(TimValidationError);
    await expect(im.getTopic({ GroupId: "@TGS#abc", From_Account: "u" })).rejects.toMatchObject({ field: "GroupId" });
    expect(requests).toHaveLength(0);
  });

  it("sends unknown fields when validation is switched off (forward compatibility)", async () => {
    const { fetch, requests } = fakeFetch();
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, validate: false });
    await im.createTopic({ GroupId: GROUP, TopicName: "t", TopicType: "Private" } as never);
    expect(JSON.parse(requests[0]!.body).TopicType).toBe("Private");
  });

  it("returns meta with attempts, duration, random and a redacted URL", async () => {
    const { fetch, requests } = fakeFetch();
    const created = await createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch }).createTopic({ GroupId: GROUP, TopicName: "t" });
    expect(created.TopicId).toBe(`${GROUP}@TOPIC#_@TOPIC#x`);
    expect(created.meta).toMatchObject({ operation: "createTopic", attempts: 1, random: Number(requests[0]!.url.searchParams.get("random")) });
    expect(created.meta.url).toContain("usersig=[REDACTED]");
    expect(created.meta.url).not.toContain(requests[0]!.url.searchParams.get("usersig")!);
  });
});

describe("errors keep secrets out", () => {
  it("TimApiError has code, info, meaning, retry class — and no usersig or secret anywhere", async () => {
    // A documented create_topic code the SDK never retries, with its meaning as the spec states it.
    const row = errorCodeRows.find((r) => !r.public && r.retry === "never" && r.operations.includes("createTopic"))!;
    const { fetch, requests } = fakeFetch({ ActionStatus: "FAIL", ErrorCode: row.code, ErrorInfo: "group gone" });
    const error = (await createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch })
      .createTopic({ GroupId: GROUP, TopicName: "t" })
      .catch((e: unknown) => e)) as TimApiError;
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: row.code, info: "group gone", operation: "createTopic", retry: "never", codeName: row.name });
    expect(error.meaning).toEqual({ zh: row.zh, en: row.en });
    const usersig = requests[0]!.url.searchParams.get("usersig")!;
    for (const text of [String(error), error.stack ?? "", JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(usersig);
      expect(text).not.toContain(SECRET);
    }
    expect(JSON.stringify(error)).toContain("[REDACTED]");
  });

  it("an unknown code is still a TimApiError, never retried", async () => {
    const { fetch, requests } = fakeFetch({ ActionStatus: "FAIL", ErrorCode: 99999, ErrorInfo: "new" });
    const error = (await createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch })
      .getTopic({ GroupId: GROUP, From_Account: "u" })
      .catch((e: unknown) => e)) as TimApiError;
    expect(error).toMatchObject({ code: 99999, retry: "never", meaning: undefined });
    expect(requests).toHaveLength(1);
  });
});

/** A fetch double answering each request with the next of `answers` (a body, or an Error to throw), recording every URL. */
function scriptedFetch(answers: (Record<string, unknown> | Error | ((url: URL) => Record<string, unknown>))[]) {
  const urls: URL[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL(String(input));
    urls.push(url);
    const next = answers[Math.min(urls.length, answers.length) - 1]!;
    if (next instanceof Error) throw next;
    const body = typeof next === "function" ? next(url) : next;
    return new Response(JSON.stringify(body), { status: 200 });
  };
  return { fetch, urls };
}

describe("per-topic errors keep secrets out", () => {
  it("redacts the secret key and the UserSig from a per-topic ErrorInfo that echoes them", async () => {
    const row = errorCodeRows.find((r) => !r.public && r.operations.includes("getTopic"))!;
    const { fetch } = scriptedFetch([
      (url) => ({
        ActionStatus: "OK",
        ErrorCode: 0,
        ErrorInfo: "",
        TopicAndSelfInfo: [{ ErrorCode: row.code, ErrorInfo: `bad ${url.searchParams.get("usersig")} key=${SECRET}`, TopicInfo: { TopicId: `${GROUP}@TOPIC#_x` } }],
      }),
    ]);
    const result = await createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch }).getTopic({ GroupId: GROUP, From_Account: "u" });
    const topic = result.topics[0]!;
    expect(topic.ok).toBe(false);
    if (topic.ok) return;
    expect(topic.error.code).toBe(row.code);
    expect(topic.error.info).toBe("bad [REDACTED] key=[REDACTED]");
    expect(inspect(topic.error, { depth: 5 })).not.toContain(SECRET);
  });

  // Signatures a backend may hand out in any alphabet: each must be hidden as signed and as encoded in the URL, the
  // refused one and its replacement alike, in IM's ErrorInfo and in a network error's cause.
  const signatures = ["first+sig/with=chars", "second+sig/with=chars"];
  const echoed = signatures.flatMap((s) => [s, encodeURIComponent(s)]).join(" ");
  const resignCode = retryCodes.getTopic.resign[0]!;
  const afterResign = (last: Record<string, unknown> | Error) => {
    let signed = 0;
    const { fetch, urls } = scriptedFetch([{ ActionStatus: "FAIL", ErrorCode: resignCode, ErrorInfo: "sig expired" }, last]);
    const im = createClient({ sdkAppId: 1, identifier: "admin", userSig: () => signatures[signed++]!, baseUrl: "http://127.0.0.1:9", fetch, maxRetries: 0 });
    return { call: im.getTopic({ GroupId: GROUP, From_Account: "u" }).catch((e: unknown) => e as TimError), urls };
  };

  it("redacts every UserSig of a re-signed call, raw and encoded, from IM's ErrorInfo", async () => {
    const { call, urls } = afterResign({ ActionStatus: "FAIL", ErrorCode: 99999, ErrorInfo: `echo ${echoed}` });
    const error = (await call) as TimApiError;
    expect(urls.map((u) => u.searchParams.get("usersig"))).toEqual(signatures); // the re-sign did happen
    expect(error.info).toBe(`echo ${Array(4).fill("[REDACTED]").join(" ")}`);
  });

  it("redacts every UserSig of a re-signed call from a network error's cause", async () => {
    const { call } = afterResign(Object.assign(new TypeError("fetch failed"), { cause: new Error(`socket closed ${echoed}`) }));
    const error = await call;
    expect(error).toBeInstanceOf(TimNetworkError);
    const shown = inspect(error, { depth: 5 });
    for (const s of signatures) expect(shown).not.toContain(s);
    expect(shown).toContain("socket closed [REDACTED]");
  });
});

describe("onError", () => {
  const GROUP_TOPIC = `${GROUP}@TOPIC#_mine`;
  const reset = () => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
  const CREATE_ID_IN_USE = operationTable.createTopic.duplicateIdCodes![0]!;
  const IMPORT_ID_IN_USE = operationTable.importTopic.duplicateIdCodes![0]!;
  const conflict = { ActionStatus: "FAIL", ErrorCode: CREATE_ID_IN_USE, ErrorInfo: "topic id used" };
  const topicNamed = (name?: string) => ({
    ActionStatus: "OK",
    ErrorCode: 0,
    ErrorInfo: "",
    TopicAndSelfInfo: [{ ErrorCode: 0, ErrorInfo: "", TopicInfo: { TopicId: GROUP_TOPIC, ...(name === undefined ? {} : { TopicName: name }) } }],
  });
  function client(answers: Parameters<typeof scriptedFetch>[0], extra: Partial<ClientOptions> = {}) {
    const events: ErrorEvent[] = [];
    const { fetch, urls } = scriptedFetch(answers);
    // `extra` may swap the credential (secretKey: undefined, userSig: …), which the union type cannot follow.
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, onError: (e) => events.push(e), ...extra } as ClientOptions);
    return { im, events, urls };
  }

  it("reports a validation error, with nothing sent", async () => {
    const { im, events, urls } = client([]);
    await expect(im.createTopic({ GroupId: GROUP, TopicName: "" })).rejects.toBeInstanceOf(TimValidationError);
    expect(urls).toHaveLength(0);
    expect(events).toMatchObject([{ operation: "createTopic", attempts: 0, error: { name: "TimValidationError", field: "TopicName" } }]);
  });

  it("stays silent when a duplicate-ID answer is resolved by reading the topic back", async () => {
    const { im, events, urls } = client([reset(), conflict, topicNamed("t")]);
    const result = await im.createTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t" });
    expect(result.meta.readBack).toBe(true);
    expect(urls.map((u) => u.pathname)).toEqual([operationTable.createTopic.path, operationTable.createTopic.path, operationTable.getTopic.path]);
    expect(events).toEqual([]);
  });

  it("reads back as the admin, not as the write's From_Account (an import's original creator may be no member)", async () => {
    const bodies: Record<string, unknown>[] = [];
    const { fetch } = scriptedFetch([reset(), { ...conflict, ErrorCode: IMPORT_ID_IN_USE }, topicNamed("t")]);
    const recording: typeof globalThis.fetch = (input, init) => (bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>), fetch(input, init));
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch: recording });
    const result = await im.importTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t", From_Account: "original-creator" });
    expect(result.meta.readBack).toBe(true);
    expect(bodies[2]).toMatchObject({ GroupId: GROUP, TopicIdList: [GROUP_TOPIC], From_Account: base.identifier });
  });

  it.each([
    ["has another TopicName", [topicNamed("other")]],
    ["has no TopicName", [topicNamed()]],
    ["fails", [new TypeError("fetch failed")]],
  ])("reports the conflict once when the read-back topic %s", async (_, readBack) => {
    const { im, events } = client([reset(), conflict, ...readBack], { maxRetries: 1 });
    const error = await im.createTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimApiError", code: CREATE_ID_IN_USE, operation: "createTopic" });
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toBe(error);
  });

  describe("the read-back's code, loaded on first use", () => {
    afterEach(restoreChunks);
    const readBackChunk = (fault: ChunkFault) => importWithChunk<typeof import("../src/index.js")>("src/call/read-back.js", fault).then((c) => c.fresh);

    it("keeps the conflict, as maybe applied, when it cannot be loaded", async () => {
      const fresh = await readBackChunk("fails");
      const { fetch, urls } = scriptedFetch([reset(), conflict]);
      const im = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch });
      const error = await im.createTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(fresh.TimApiError);
      expect(error).toMatchObject({ code: CREATE_ID_IN_USE, mayHaveBeenApplied: true });
      expect(urls).toHaveLength(2); // nothing read
    });

    it("bounds its loading by the call's deadline: the conflict stands, maybe applied", async () => {
      const fresh = await readBackChunk("never arrives");
      const { fetch } = scriptedFetch([reset(), conflict]);
      // Longer than the reset's backoff (at most 500 ms) so the retry happens; the load then stalls until the deadline.
      const im = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, deadlineMs: 1_500 });
      const error = await im.createTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(fresh.TimApiError);
      expect(error).toMatchObject({ code: CREATE_ID_IN_USE, mayHaveBeenApplied: true, cause: { name: "TimTimeoutError", kind: "deadline" } });
    });

    it("bounds its loading by the call's signal: an abort while it loads is the call's abort, maybe applied", async () => {
      const fresh = await readBackChunk("never arrives");
      const { fetch, urls } = scriptedFetch([reset(), conflict]);
      const events: ErrorEvent[] = [];
      const im = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, onError: (e) => events.push(e) });
      const controller = new AbortController();
      const call = im.createTopic({ GroupId: GROUP, TopicId: GROUP_TOPIC, TopicName: "t" }, { signal: controller.signal }).catch((e: unknown) => e);
      await until(() => urls.length === 2);
      controller.abort(new Error("user left"));
      const error = await call;
      expect(error).toBeInstanceOf(fresh.TimAbortError);
      expect(error).toMatchObject({ mayHaveBeenApplied: true, cause: { message: "user left" } });
      expect(events.map((e) => e.error)).toEqual([error]);
    });
  });

  it.each([
    ["empty", ""],
    ["with a lone surrogate (no URL can carry it)", "sig\ud800"],
  ])("reports an error from the userSig function's result: %s", async (_, returned) => {
    const { im, events, urls } = client([], { secretKey: undefined, userSig: () => returned });
    await expect(im.getTopic({ GroupId: GROUP, From_Account: "u" })).rejects.toMatchObject({ name: "TimConfigError", option: "userSig" });
    expect(events).toMatchObject([{ operation: "getTopic", error: { option: "userSig" } }]);
    expect(urls).toEqual([]);
  });
});

describe("a slow userSig function", () => {
  const never = () => new Promise<string>(() => {});

  it("yields to the caller's signal", async () => {
    const controller = new AbortController();
    const call = createClient({ ...base, secretKey: undefined, userSig: never, baseUrl: "http://127.0.0.1:9" }).getTopic(
      { GroupId: GROUP, From_Account: "u" },
      { signal: controller.signal },
    );
    controller.abort(new Error("user left"));
    await expect(call).rejects.toBeInstanceOf(TimAbortError);
  });

  it("yields to the deadline", async () => {
    const call = createClient({ ...base, secretKey: undefined, userSig: never, baseUrl: "http://127.0.0.1:9", deadlineMs: 30 }).getTopic({
      GroupId: GROUP,
      From_Account: "u",
    });
    await expect(call).rejects.toMatchObject({ name: "TimTimeoutError", kind: "deadline" });
    await expect(call).rejects.toBeInstanceOf(TimTimeoutError);
  });
});

describe("TimApiError.mayHaveBeenApplied", () => {
  it.each(errorCodeRows.filter((r, i, rows) => rows.findIndex((o) => o.retry === r.retry) === i).map((r) => [r.retry, r] as const))(
    "agrees with the retry policy for a %s code, in the field and the message",
    async (retry, row) => {
      const { fetch } = scriptedFetch([{ ActionStatus: "FAIL", ErrorCode: row.code, ErrorInfo: "x" }]);
      const operation = row.operations[0]!;
      const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, maxRetries: 0, userSig: "fixed", secretKey: undefined });
      const body = { GroupId: GROUP, TopicName: "t", From_Account: "u" };
      const error = (await (operation === "createTopic" ? im.createTopic({ GroupId: GROUP, TopicName: "t" }) : im.getTopic({ GroupId: GROUP, From_Account: body.From_Account })).catch(
        (e: unknown) => e,
      )) as TimApiError;
      const expected = mayHaveBeenApplied({ kind: "api", retry });
      expect(error.mayHaveBeenApplied).toBe(expected);
      expect(error.message.includes("may have been applied")).toBe(expected);
    },
  );
});

describe("the lazily loaded meanings table", () => {
  afterEach(restoreChunks);

  it("failing to load leaves IM's code intact (no meaning) and is tried again on the next error", async () => {
    const row = errorCodeRows.find((r) => !r.public && r.operations.includes("getTopic"))!;
    const { fresh } = await importWithChunk<typeof import("../src/index.js")>("generated/error-codes.js", "fails once");
    const { fetch } = fakeFetch({ ActionStatus: "FAIL", ErrorCode: row.code, ErrorInfo: "x" });
    const client = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, maxRetries: 0 });
    const call = () => client.getTopic({ GroupId: GROUP, From_Account: "u" }).catch((e: unknown) => e as TimApiError);

    const offline = await call();
    expect(offline).toBeInstanceOf(fresh.TimApiError);
    expect(offline).toMatchObject({ code: row.code, info: "x", meaning: undefined, codeName: undefined });

    forgetFailedLoads();
    expect(await call()).toMatchObject({ code: row.code, codeName: row.name, meaning: { zh: row.zh, en: row.en } });
  });
});

describe("browser safety", () => {
  const g = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete g.window;
    delete g.document;
    delete g.importScripts;
  });

  it("counts a web or service worker (importScripts) as a browser", () => {
    g.importScripts = () => {};
    expect(() => createClient({ ...base })).toThrow(/dangerouslyAllowBrowser/);
    expect(() => createClient({ ...base, dangerouslyAllowBrowser: true })).not.toThrow();
  });

  it("refuses a secretKey in a browser unless dangerouslyAllowBrowser is set", () => {
    g.window = {};
    g.document = {};
    expect(() => createClient({ ...base })).toThrow(TimConfigError);
    expect(() => createClient({ ...base })).toThrow(/dangerouslyAllowBrowser/);
    expect(() => createClient({ ...base, dangerouslyAllowBrowser: true })).not.toThrow();
    expect(() => createClient({ sdkAppId: 1, identifier: "admin", userSig: () => "sig" })).not.toThrow();
  });
});

describe("rateLimit's lazily loaded limiter", () => {
  afterEach(restoreChunks);
  const limiterChunk = (fault: ChunkFault) => importWithChunk<typeof import("../src/index.js")>("src/rate-limit.js", fault).then((c) => c.fresh);

  it("paces calls once loaded, in call order", async () => {
    const { fetch, urls } = scriptedFetch([{ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] }]);
    const im = createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, rateLimit: { perSecond: 50 } });
    const started = performance.now();
    const randoms = await Promise.all(Array.from({ length: 6 }, () => im.getTopic({ GroupId: GROUP, From_Account: "u" }).then((r) => r.meta.random)));
    // Six sends at 50/s are five intervals of ~20 ms apart; sent in the order the calls were made.
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * (1000 / 50) - 5);
    expect(urls.map((u) => Number(u.searchParams.get("random")))).toEqual(randoms);
  });

  it("that cannot be loaded fails that call as a network error that sent nothing; the next call loads it again", async () => {
    const fresh = await limiterChunk("fails once");
    const { fetch, urls } = scriptedFetch([{ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] }]);
    const errors: ErrorEvent[] = [];
    const im = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, rateLimit: true, onError: (e) => errors.push(e) });
    const error = await im.getTopic({ GroupId: GROUP, From_Account: "u" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(fresh.TimNetworkError);
    expect(error).toMatchObject({ mayHaveBeenApplied: false, attempts: 0 });
    expect(String((error as Error).message)).toContain("rate limiter could not be loaded");
    expect(urls).toEqual([]);
    expect(errors.map((e) => e.error)).toEqual([error]);
    forgetFailedLoads();
    await im.getTopic({ GroupId: GROUP, From_Account: "u" });
    expect(urls).toHaveLength(1);
  });

  it("bounds its loading by the caller's signal, and a place that arrives after the call gave up does not block the queue", async () => {
    let release!: () => void;
    const fresh = await limiterChunk({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const { fetch, urls } = scriptedFetch([{ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicAndSelfInfo: [] }]);
    const im = fresh.createClient({ ...base, baseUrl: "http://127.0.0.1:9", fetch, rateLimit: true });
    const controller = new AbortController();
    const first = im.getTopic({ GroupId: GROUP, From_Account: "u" }, { signal: controller.signal }).catch((e: unknown) => e);
    const second = im.getTopic({ GroupId: GROUP, From_Account: "u" }).then((r) => r.meta.random);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await first).toMatchObject({ name: "TimAbortError", mayHaveBeenApplied: false }); // while still loading
    release();
    const random = await second; // the aborted call's place, taken first, was given back
    expect(urls.map((u) => Number(u.searchParams.get("random")))).toEqual([random]);
  });
});
