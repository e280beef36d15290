/**
 * The local IM emulator (tim-topics/testing): state, IM's codes, UserSig checks, rate limits, callbacks and faults,
 * driven through the SDK's own client and through raw requests; every answer it gives is checked against the spec's
 * response schema with Ajv (see `answers` below).
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { operationIds, operations, type OperationId } from "../generated/operations.js";
import { createClient, genUserSig, TimApiError, TimNetworkError, type ClientOptions } from "../src/index.js";
import { callbacks } from "../generated/callbacks.js";
import { errorCodeRows } from "../generated/error-codes.js";
import { requestRules } from "../generated/request-rules.js";
import { failure, loadMeanings, meaningOf } from "../src/testing/answers.js";
import { handlers, MODIFIABLE, NOTIFIED, PROFILE } from "../src/testing/handlers.js";
import { createCallbackHandler } from "../src/callbacks/index.js";
import { createEmulator, type Emulator, type EmulatorCall, type EmulatorCallback, type EmulatorOptions } from "../src/testing/index.js";
import { responseErrors } from "./helpers/ajv.js";
import { ADMIN, basicBody, GROUP, requestExamples, SDK_APP_ID, SECRET } from "./helpers/fixtures.js";

/** Every answer the emulators of this file gave, with the operation it answered: checked against the spec at the end. */
const answers: { operation: OperationId; body: unknown }[] = [];

const operationAt = new Map(operationIds.map((id) => [operations[id].path as string, id]));

function emulator(extra: Partial<EmulatorOptions> = {}): Emulator {
  const emu = createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, ...extra });
  const original = emu.fetch;
  // Record every IM answer (HTTP 200 with a JSON body) for the schema check.
  return Object.assign(emu, {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const operation = operationAt.get(new URL(input instanceof Request ? input.url : input).pathname);
      const response = await original(input, init);
      if (response.status === 200 && operation) answers.push({ operation, body: await response.clone().json() });
      return response;
    },
  });
}
function client(emu: Emulator, extra: Partial<ClientOptions> = {}) {
  return createClient({ sdkAppId: SDK_APP_ID, identifier: ADMIN, secretKey: SECRET, baseUrl: "https://emulator.test", fetch: emu.fetch, maxRetries: 0, ...extra } as ClientOptions);
}
/** A raw signed request to the emulator, for what the SDK would refuse to send. */
async function raw(emu: Emulator, operation: OperationId, body: unknown, query: Record<string, string> = {}) {
  const usersig = await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 86400 });
  const params = new URLSearchParams({ sdkappid: String(SDK_APP_ID), identifier: ADMIN, usersig, random: "1", contenttype: "json", ...query });
  const response = await emu.fetch(`https://emulator.test${operations[operation].path}?${params}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  return (await response.json()) as { ErrorCode: number; ErrorInfo: string; [key: string]: unknown };
}
const codeOf = (promise: Promise<unknown>) => promise.then(() => 0, (e: unknown) => (e instanceof TimApiError ? e.code : e));

/** Seeds every topic and group the spec's request examples name, so each example succeeds against the emulator. */
function seededForExamples(id: OperationId): Partial<EmulatorOptions> {
  const topics = new Map<string, { GroupId: string; TopicId: string; TopicName: string }>();
  // Creates and imports bring their own TopicId: it must not exist yet.
  if (operations[id].idempotency === "keyed") return {};
  for (const example of Object.values(requestExamples(id))) {
    const ids = [example.TopicId, ...((example.TopicIdList as string[] | undefined) ?? [])].filter((t): t is string => typeof t === "string");
    for (const TopicId of ids) topics.set(TopicId, { GroupId: example.GroupId as string, TopicId, TopicName: "seeded" });
  }
  return { topics: [...topics.values()] };
}

describe("the emulator covers the spec", () => {
  it("has a handler for every operation of the spec, and no other", () => {
    expect(Object.keys(handlers).sort()).toEqual([...operationIds].sort());
  });

  it.each(operationIds)("%s: every request example of the spec succeeds through the SDK", async (operation) => {
    for (const [name, body] of Object.entries(requestExamples(operation))) {
      const emu = emulator(seededForExamples(operation));
      const im = client(emu);
      const result = await (im[operation] as (b: unknown) => Promise<{ response: { ErrorCode: number } }>)(body);
      expect(result.response.ErrorCode, name).toBe(0);
    }
  });
});

describe("the emulator's codes and fields are the spec's", () => {
  it("failure() refuses a code the spec does not document for the operation: a bug in the emulator, not an answer", async () => {
    await loadMeanings();
    expect(() => failure("getTopic", 10037)).toThrow(/no 10037 for getTopic/);
    expect(() => failure("createTopic", 110002)).toThrow(Error);
    expect(() => failure(undefined, 10010)).toThrow(Error); // not public: it needs an operation that documents it
    expect(failure("destroyTopic", 110002, "x")).toMatchObject({ code: 110002, info: expect.stringMatching(/: x$/) });
    expect(failure("importTopic", 70001).code).toBe(70001); // public: every operation
    for (const row of errorCodeRows) for (const operation of row.operations) expect(failure(operation, row.code).info, `${row.code} ${operation}`).toBe(row.zh);
  });

  it("a scripted code is answered with the spec's meaning; one the spec does not document for the operation is sent as given", async () => {
    const emu = emulator({ groups: { [GROUP]: true } });
    emu.inject({ operation: "getTopic", code: 10007 });
    expect((await raw(emu, "getTopic", basicBody("getTopic"))).ErrorInfo).toBe(meaningOf("getTopic", 10007));
    // Not through the recording helper: these answers are the test's own, outside the spec on purpose.
    const free = createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, groups: { [GROUP]: true } });
    free.inject({ operation: "getTopic", code: 10037 }); // create_topic's meaning is not get_topic's
    expect(await raw(free, "getTopic", basicBody("getTopic"))).toMatchObject({ ErrorCode: 10037, ErrorInfo: "error 10037" });
  });

  it("the handlers' field lists are the spec's (the request rules, get_topic's TopicInfo fields, the info-changed callback)", () => {
    const topicInfoFields: readonly string[] = requestRules.getTopic.fields.ResponseFilter.items.enum;
    const topicFieldsOf = (operation: OperationId) => Object.keys(requestRules[operation].fields).filter((f) => topicInfoFields.includes(f) && f !== "TopicId");
    // A create sets TopicId and TopicName itself, and carries the rest of its topic fields over.
    expect([...PROFILE].sort()).toEqual(topicFieldsOf("createTopic").filter((f) => f !== "TopicName").sort());
    expect([...MODIFIABLE].sort()).toEqual(topicFieldsOf("modifyTopic").sort());
    const notified = Object.keys(callbacks["Group.CallbackAfterTopicInfoChanged"].rules.fields).map((f) => (f === "Name" ? "TopicName" : f));
    expect([...NOTIFIED].sort()).toEqual(MODIFIABLE.filter((f) => notified.includes(f)).sort());
  });

  it("the default topic limit is the spec's bound on destroy_topic's list (a Community's 200 topics)", async () => {
    const limit = requestRules.destroyTopic.fields.TopicIdList.maxItems;
    const topics = Array.from({ length: limit }, (_, i) => ({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_${i}`, TopicName: `t${i}` }));
    const emu = emulator({ topics });
    expect(await codeOf(client(emu).createTopic({ GroupId: GROUP, TopicName: "one more" }))).toBe(10037);
  });
});

describe("state, through the SDK", () => {
  it("create → get → modify → get → destroy → get → import: the lifecycle, with IM's ID form and every field", async () => {
    const emu = emulator({ clock: () => 1_700_000_000_000 });
    const im = client(emu);
    const created = await im.createTopic({ GroupId: GROUP, TopicName: "General", Notification: "hi", CustomString: "x" });
    expect(created.TopicId).toMatch(new RegExp(`^${GROUP.replace(/[$]/g, "\\$")}@TOPIC#_@TOPIC#c[0-9A-Z]{11}$`));
    const read = await im.getTopic({ GroupId: GROUP, From_Account: ADMIN });
    expect(read.topics).toMatchObject([{ ok: true, TopicId: created.TopicId, TopicInfo: { TopicName: "General", Notification: "hi", CustomString: "x", CreateTime: 1_700_000_000, MuteAllMember: "Off", GroupID: GROUP } }]);

    await im.modifyTopic({ GroupId: GROUP, TopicId: created.TopicId, TopicName: "Renamed", MuteAllMember: "On" });
    const after = await im.getTopic({ GroupId: GROUP, From_Account: ADMIN, TopicIdList: [created.TopicId], ResponseFilter: ["TopicName", "MuteAllMember"] });
    expect(after.topics[0]).toEqual({ ok: true, TopicId: created.TopicId, TopicInfo: { TopicId: created.TopicId, GroupID: GROUP, TopicName: "Renamed", MuteAllMember: "On" }, SelfInfo: expect.any(Object) });

    const destroyed = await im.destroyTopic({ GroupId: GROUP, TopicIdList: [created.TopicId] });
    expect(destroyed.topics).toEqual([{ ok: true, TopicId: created.TopicId }]);
    const gone = await im.getTopic({ GroupId: GROUP, From_Account: ADMIN, TopicIdList: [created.TopicId] });
    expect(gone.topics[0]).toMatchObject({ ok: false, TopicId: created.TopicId, error: { code: 110003 } });
    const again = await im.destroyTopic({ GroupId: GROUP, TopicIdList: [created.TopicId, `${GROUP}@TOPIC#_never`] });
    expect(again.topics.map((t) => (t.ok ? 0 : t.error.code))).toEqual([110003, 110002]);

    const imported = await im.importTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_old`, TopicName: "Old", CreateTime: 1448357837 });
    expect(imported.TopicId).toBe(`${GROUP}@TOPIC#_old`);
    expect(emu.state().groups[GROUP]!.topics).toMatchObject([{ TopicId: `${GROUP}@TOPIC#_old`, CreateTime: 1448357837 }]);
    expect(emu.state().groups[GROUP]!.destroyed).toEqual([created.TopicId]);
  });

  it("get with an empty TopicIdList reads every topic, as without one (the reference: empty = all topics)", async () => {
    const emu = emulator();
    const im = client(emu);
    const a = await im.createTopic({ GroupId: GROUP, TopicName: "a" });
    const b = await im.createTopic({ GroupId: GROUP, TopicName: "b" });
    const read = await im.getTopic({ GroupId: GROUP, From_Account: ADMIN, TopicIdList: [] });
    expect(read.topics.map((t) => t.TopicId)).toEqual([a.TopicId, b.TopicId]);
  });

  it("duplicate custom IDs: 10025 on create, 10021 on import", async () => {
    const emu = emulator();
    const im = client(emu);
    const TopicId = `${GROUP}@TOPIC#_dup`;
    await im.createTopic({ GroupId: GROUP, TopicId, TopicName: "a" });
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicId, TopicName: "b" }))).toBe(10025);
    expect(await codeOf(im.importTopic({ GroupId: GROUP, TopicId, TopicName: "b" }))).toBe(10021);
  });

  it("groups: declared without topics → 11000; unknown with autoCreateGroups false → 10010; declared ones work", async () => {
    const plain = "@TGS#_plain";
    const emu = emulator({ groups: { [plain]: false, [GROUP]: true }, autoCreateGroups: false });
    const im = client(emu);
    expect(await codeOf(im.createTopic({ GroupId: plain, TopicName: "t" }))).toBe(11000);
    expect(await codeOf(im.getTopic({ GroupId: "@TGS#_unknown", From_Account: ADMIN }))).toBe(10010);
    expect(await codeOf(im.modifyTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_x`, TopicName: "n" }))).toBe(10010);
    await expect(im.createTopic({ GroupId: GROUP, TopicName: "t" })).resolves.toBeDefined();
  });

  it.each(operationIds)("%s in an unknown group: only a call that makes topics creates the group; any other answers 10010 and creates nothing", async (operation) => {
    const emu = emulator();
    const GroupId = "@TGS#_unknown";
    const body = { ...basicBody(operation), GroupId };
    const makesTopics = operations[operation].idempotency === "keyed"; // create and import: they bring a TopicId of their own
    expect((await raw(emu, operation, body)).ErrorCode).toBe(makesTopics ? 0 : 10010);
    expect(Object.keys(emu.state().groups)).toEqual(makesTopics ? [GroupId] : []);
  });

  it("holds at most topicLimit topics per Community (10037 beyond)", async () => {
    const emu = emulator({ topicLimit: 2 });
    const im = client(emu);
    await im.createTopic({ GroupId: GROUP, TopicName: "1" });
    await im.importTopic({ GroupId: GROUP, TopicName: "2" });
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicName: "3" }))).toBe(10037);
  });

  it.each([
    ["a TopicId of no form IM knows", { topics: [{ GroupId: GROUP, TopicId: "whatever", TopicName: "t" }] }, "topics[0]", /not a topic IM could hold: TopicId/],
    ["a TopicId of another group", { topics: [{ GroupId: GROUP, TopicId: "@TGS#_other@TOPIC#_x", TopicName: "t" }] }, "topics[0]", /TopicId must be GroupId/],
    ["a TopicName of 31 bytes", { topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_a`, TopicName: "话".repeat(10) + "x" }] }, "topics[0]", /TopicName is 31 UTF-8 bytes/],
    ["a field no topic has", { topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_a`, TopicName: "t", Groupid: GROUP } as never] }, "topics[0]", /Groupid is not a known field/],
    ["a MuteAllMember that is neither On nor Off", { topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_a`, TopicName: "t", MuteAllMember: "on" as "On" }] }, "topics[0]", /MuteAllMember must be one of/],
    ["a topic in a group declared without topics", { groups: { [GROUP]: false }, topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_a`, TopicName: "t" }] }, "topics[0]", /declares without topics/],
    ["more topics than topicLimit", { topicLimit: 2, topics: [0, 1, 2].map((i) => ({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_${i}`, TopicName: "t" })) }, "topics[2]", /more than the 2 topics/],
    ["a group that is not a Community group ID", { groups: { "not-a-group": true } }, "groups", /not-a-group/],
  ] as [string, Partial<EmulatorOptions>, string, RegExp][])("refuses seeded state IM could not hold: %s", (_, extra, option, message) => {
    expect(() => createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, ...extra })).toThrow(expect.objectContaining({ name: "TimConfigError", option, message: expect.stringMatching(message) }));
  });

  it("accepts seeded topics with custom and IM-assigned IDs, every field, up to topicLimit", () => {
    const emu = emulator({
      topicLimit: 2,
      topics: [
        { GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_custom`, TopicName: "custom", MuteAllMember: "On", CreateTime: 1, LastMsgTime: 2, NextMsgSeq: 3, Creator: "bob", CustomString: "c" },
        { GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_@TOPIC#cRTE3HIM62C5`, TopicName: "assigned" },
      ],
    });
    expect(emu.state().groups[GROUP]!.topics.map((t) => [t.TopicId.slice(GROUP.length), t.MuteAllMember, t.Creator])).toEqual([
      ["@TOPIC#_custom", "On", "bob"],
      ["@TOPIC#_@TOPIC#cRTE3HIM62C5", "Off", ADMIN],
    ]);
  });

  it("reset() returns to the seeded state; state() is a frozen copy", async () => {
    const emu = emulator({ topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_seed`, TopicName: "seed" }] });
    await client(emu).createTopic({ GroupId: GROUP, TopicName: "new" });
    const state = emu.state();
    expect(state.groups[GROUP]!.topics).toHaveLength(2);
    expect(Object.isFrozen(state.groups[GROUP]!.topics[0])).toBe(true);
    emu.reset();
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicId)).toEqual([`${GROUP}@TOPIC#_seed`]);
    expect(emu.calls).toHaveLength(0);
  });
});

describe("what a test reads", () => {
  it("calls and callbacks are frozen copies: a test cannot change what the emulator recorded", async () => {
    const handler = async () => Response.json({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" });
    const emu = emulator({ callback: { token: "t", handler } });
    await client(emu).createTopic({ GroupId: GROUP, TopicName: "kept" });
    await emu.settle();
    const { calls, callbacks } = emu;
    const writes: [string, () => unknown][] = [
      ["push a call", () => (calls as EmulatorCall[]).push(calls[0]!)],
      ["change a call's code", () => ((calls[0] as EmulatorCall).code = 10002)],
      ["change a call's body", () => ((calls[0]!.body as Record<string, unknown>).TopicName = "changed")],
      ["empty the callbacks", () => ((callbacks as EmulatorCallback[]).length = 0)],
      ["change a callback's reply", () => ((callbacks[0]!.reply as { ok: boolean }).ok = false)],
      ["change a callback's body", () => (callbacks[0]!.body.Name = "changed")],
    ];
    for (const [what, write] of writes) expect(write, what).toThrow(TypeError);
    expect(emu.calls).toEqual([{ operation: "createTopic", body: { GroupId: GROUP, TopicName: "kept" }, code: 0, processed: true }]);
    expect(emu.callbacks.map((c) => [c.command, c.reply.ok, c.body.Name])).toEqual([
      ["Group.CallbackBeforeCreateTopic", true, "kept"],
      ["Group.CallbackAfterCreateTopic", true, "kept"],
    ]);
  });
});

describe("IM's answers to bad requests", () => {
  it("validates with the spec's rules, in UTF-8 bytes: 10 CJK characters pass, 11 (33 bytes) are 10004 naming the field", async () => {
    const emu = emulator();
    expect((await raw(emu, "createTopic", { GroupId: GROUP, TopicName: "话".repeat(10) })).ErrorCode).toBe(0);
    const refused = await raw(emu, "createTopic", { GroupId: GROUP, TopicName: "话".repeat(11) });
    expect(refused.ErrorCode).toBe(10004);
    expect(refused.ErrorInfo).toContain("TopicName is 33 UTF-8 bytes; the limit is 30");
  });

  it.each([
    ["a body that is not JSON", 60003, "getTopic", "{"],
    ["an unknown field", 10004, "getTopic", { ...basicBody("getTopic"), Extra: 1 }],
    ["an empty TopicIdList on destroy", 10004, "destroyTopic", { GroupId: GROUP, TopicIdList: [] }],
  ] as const)("%s → %i", async (_, code, operation, body) => {
    expect((await raw(emulator(), operation, body)).ErrorCode).toBe(code);
  });

  it.each(([
    ["an expired UserSig", async () => ({ usersig: await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 1, now: 1_000 }) }), 70001],
    ["a UserSig of another key", async () => ({ usersig: await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: "another-key", identifier: ADMIN, expireSeconds: 600 }) }), 70009],
    ["a UserSig of another user", async () => ({ usersig: await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: "bob", expireSeconds: 600 }) }), 70013],
    ["a UserSig of another app", async () => ({ usersig: await genUserSig({ sdkAppId: SDK_APP_ID + 1, secretKey: SECRET, identifier: ADMIN, expireSeconds: 600 }) }), 70014],
    ["a truncated UserSig", async () => ({ usersig: "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1" }), 70003],
    ["no UserSig", async () => ({ usersig: "" }), 70002],
    ["another sdkappid", async () => ({ sdkappid: String(SDK_APP_ID + 1) }), 70020],
    ["no sdkappid", async () => ({ sdkappid: "" }), 60012],
    ["no contenttype", async () => ({ contenttype: "" }), 60002],
    ["an empty random", async () => ({ random: "" }), 60002],
    ["a random that is not a decimal integer", async () => ({ random: "1e3" }), 60002],
    ["a negative random", async () => ({ random: "-1" }), 60002],
    ["a random past uint32", async () => ({ random: "4294967296" }), 60002],
    ["the largest uint32 random", async () => ({ random: "4294967295" }), 0],
  ] as const).map(([label, query, code]) => [label, code, query] as const))("%s → %i", async (_, code, query) => {
    expect((await raw(emulator({ groups: { [GROUP]: true } }), "getTopic", basicBody("getTopic"), await query())).ErrorCode).toBe(code);
  });

  it("no random at all → 60002 (all five query parameters are required)", async () => {
    const emu = emulator();
    const usersig = await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 600 });
    const query = new URLSearchParams({ sdkappid: String(SDK_APP_ID), identifier: ADMIN, usersig, contenttype: "json" });
    const response = await emu.fetch(`https://emulator.test${operations.getTopic.path}?${query}`, { method: "POST", body: JSON.stringify(basicBody("getTopic")) });
    expect(((await response.json()) as { ErrorCode: number }).ErrorCode).toBe(60002);
  });

  it("an identifier that is not the App admin, with a UserSig that is its own → 60010", async () => {
    const usersig = await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: "bob", expireSeconds: 600 });
    expect((await raw(emulator(), "getTopic", basicBody("getTopic"), { identifier: "bob", usersig })).ErrorCode).toBe(60010);
  });

  it("enforces the spec's rate limit per operation: 10006 beyond it in a 1 s window, and again after, with a frozen clock", async () => {
    // Users freeze `clock` for predictable CreateTimes: the windows slide on the monotonic clock all the same.
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const emu = emulator({ clock: () => 1_700_000_000_000, checkCredentials: false, groups: { [GROUP]: true } });
      const limit = operations.getTopic.rateLimitPerSecond;
      const codes = await Promise.all(Array.from({ length: limit + 1 }, () => raw(emu, "getTopic", basicBody("getTopic")).then((a) => a.ErrorCode)));
      expect(codes.filter((c) => c === 0)).toHaveLength(limit);
      expect(codes.filter((c) => c === 10006)).toHaveLength(1);
      expect((await raw(emu, "createTopic", { GroupId: GROUP, TopicName: "other op" })).ErrorCode).toBe(0);
      vi.advanceTimersByTime(999);
      expect((await raw(emu, "getTopic", basicBody("getTopic"))).ErrorCode).toBe(10006);
      vi.advanceTimersByTime(1);
      expect((await raw(emu, "getTopic", basicBody("getTopic"))).ErrorCode).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("scripted faults", () => {
  it("a given IM code for the next N calls of an operation, applied to nothing", async () => {
    const emu = emulator({ groups: { [GROUP]: true } });
    const im = client(emu);
    emu.inject({ operation: "createTopic", code: 10002, times: 2 });
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicName: "a" }))).toBe(10002);
    expect(await codeOf(im.getTopic({ GroupId: GROUP, From_Account: ADMIN }))).toBe(0);
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicName: "b" }))).toBe(10002);
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicName: "c" }))).toBe(0);
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["c"]);
  });

  it("a lost request applies nothing; a lost answer applies the change", async () => {
    const emu = emulator();
    const im = client(emu);
    emu.inject({ lose: "request" });
    await expect(im.createTopic({ GroupId: GROUP, TopicName: "lost request" })).rejects.toBeInstanceOf(TimNetworkError);
    emu.inject({ lose: "answer" });
    await expect(im.createTopic({ GroupId: GROUP, TopicName: "lost answer" })).rejects.toBeInstanceOf(TimNetworkError);
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["lost answer"]);
  });

  it("latency past the SDK's timeout: the SDK times out, the change stands, and a retried create with its ID is read back", async () => {
    const emu = emulator();
    const im = client(emu, { timeoutMs: 50, maxRetries: 2 });
    emu.inject({ operation: "createTopic", latencyMs: 1_000 });
    const seen: string[] = [];
    const result = await im.createTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_slow`, TopicName: "slow" }, { onRequest: (e) => seen.push(`${e.operation}#${e.attempt}`) });
    expect(result.meta.readBack).toBe(true);
    expect(emu.calls.map((c) => [c.operation, c.code])).toEqual([["createTopic", 0], ["createTopic", 10025], ["getTopic", 0]]);
    // The read-back is the SDK's own request: the caller's per-call hook sees only the call it made.
    expect(seen).toEqual(["createTopic#1", "createTopic#2"]);
  });

  it("an abort during the read-back is the create's TimAbortError, saying its lost attempt may have been applied", async () => {
    const emu = emulator();
    const controller = new AbortController();
    // The caller gives up the moment the SDK starts reading the ID back.
    const fetchAbortingOnRead: typeof fetch = async (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes("get_topic")) controller.abort(new Error("caller gave up"));
      return emu.fetch(input, init);
    };
    const im = client(emu, { timeoutMs: 50, maxRetries: 1, fetch: fetchAbortingOnRead });
    emu.inject({ operation: "createTopic", latencyMs: 1_000 });
    emu.inject({ operation: "getTopic", latencyMs: 1_000 });
    const id = `${GROUP}@TOPIC#_abandoned`;
    const error = await im.createTopic({ GroupId: GROUP, TopicId: id, TopicName: "abandoned" }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimAbortError", operation: "createTopic", attempts: 2, mayHaveBeenApplied: true });
    expect((error as Error).message).toContain(id);
    expect((error as Error).cause).toEqual(new Error("caller gave up")); // the signal's reason, as for any abort
    await emu.settle();
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["abandoned"]);
  });

  it("a read-back that fails leaves the conflict standing, but says the call's own lost attempt may have made the ID", async () => {
    const emu = emulator();
    const im = client(emu, { timeoutMs: 50, maxRetries: 1 });
    emu.inject({ operation: "createTopic", latencyMs: 1_000 });
    emu.inject({ operation: "getTopic", code: 10004 }); // the read-back is refused
    const error = await im.createTopic({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_unsure`, TopicName: "unsure" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimApiError);
    expect(error).toMatchObject({ code: operations.createTopic.duplicateIdCodes[0], mayHaveBeenApplied: true });
    expect((error as Error).message).toContain("may have been applied");
    // Why it could not be confirmed travels with it.
    expect((error as Error).cause).toMatchObject({ name: "TimApiError", operation: "getTopic", code: 10004 });
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["unsure"]);
  });

  it("an abort after the request left: TimAbortError with mayHaveBeenApplied (the change stands); before it left: not", async () => {
    const emu = emulator();
    const im = client(emu);
    emu.inject({ operation: "createTopic", latencyMs: 1_000 });
    const controller = new AbortController();
    const sent = im.createTopic({ GroupId: GROUP, TopicName: "left" }, { signal: controller.signal, onRequest: () => setTimeout(() => controller.abort(), 20) });
    const error = await sent.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimAbortError", attempts: 1, mayHaveBeenApplied: true });
    expect((error as Error).message).toContain("may have been applied");
    const early = await im.createTopic({ GroupId: GROUP, TopicName: "never" }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(early).toMatchObject({ name: "TimAbortError", attempts: 0, mayHaveBeenApplied: false });
    await emu.settle();
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["left"]);
  });

  it("an HTTP status, and a given answer body", async () => {
    const emu = emulator();
    const im = client(emu);
    emu.inject({ status: 502, body: "<h1>502</h1>" });
    await expect(im.getTopic({ GroupId: GROUP, From_Account: ADMIN })).rejects.toMatchObject({ name: "TimHttpError", status: 502 });
    emu.inject({ answer: { ActionStatus: "FAIL", ErrorCode: 10007, ErrorInfo: "no" } });
    expect(await codeOf(im.getTopic({ GroupId: GROUP, From_Account: ADMIN }))).toBe(10007);
  });
});

describe("callbacks, signed as IM signs them", () => {
  const token = "callback-token";
  /** A callback app that records requests and answers `reply` (or never, for `hang`). */
  function app(reply: (body: any) => unknown = () => ({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" }), hang = false) {
    const seen: { query: URLSearchParams; body: any }[] = [];
    const handler = async (request: Request) => {
      const body = await request.json();
      seen.push({ query: new URL(request.url).searchParams, body });
      if (hang) return new Promise<Response>(() => {});
      return Response.json(reply(body));
    };
    return { seen, handler };
  }

  it("fires before- and after-create with the query and Sign IM sends; the Sign verifies independently", async () => {
    const { seen, handler } = app();
    const emu = emulator({ callback: { token, handler }, clock: () => 1_669_872_112_000 });
    const created = await client(emu).createTopic({ GroupId: GROUP, TopicName: "signed" });
    await emu.settle();
    expect(seen.map((s) => s.body.CallbackCommand)).toEqual(["Group.CallbackBeforeCreateTopic", "Group.CallbackAfterCreateTopic"]);
    for (const { query } of seen) {
      expect(query.get("SdkAppid")).toBe(String(SDK_APP_ID));
      expect(query.get("OptPlatform")).toBe("RESTAPI");
      expect(query.get("contenttype")).toBe("json");
      expect(query.get("RequestTime")).toBe("1669872112");
      expect(query.get("Sign")).toBe(createHash("sha256").update(`${token}1669872112`).digest("hex"));
    }
    expect(seen[0]!.body).toMatchObject({ Operator_Account: ADMIN, Type: "Community", Name: "signed" });
    expect(seen[1]!.body).toMatchObject({ GroupId: GROUP, TopicId: created.TopicId, Name: "signed" });
  });

  it("a before-create veto answers 10016 and creates nothing; the app's own 10100–10200 code passes through", async () => {
    const veto = app(() => ({ ActionStatus: "OK", ErrorCode: 1, ErrorInfo: "" }));
    const emu = emulator({ callback: { token, handler: veto.handler } });
    expect(await codeOf(client(emu).createTopic({ GroupId: GROUP, TopicName: "vetoed" }))).toBe(10016);
    // Not even the group a first use would have made.
    expect(emu.state().groups[GROUP]).toBeUndefined();

    const own = app(() => ({ ActionStatus: "OK", ErrorCode: 10150, ErrorInfo: "names must be nice" }));
    const emu2 = emulator({ callback: { token, handler: own.handler } });
    const error = await client(emu2).createTopic({ GroupId: GROUP, TopicName: "nasty" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimApiError", code: 10150, info: "names must be nice" });
  });

  it("state is checked again after the before-create callback: two creates racing for the last slot, one wins (10037)", async () => {
    // Both creates pass the first check (no topic yet), then wait on the callback together.
    const { handler: answerOk } = app();
    const handler = async (request: Request) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answerOk(request);
    };
    const emu = emulator({ callback: { token, handler }, topicLimit: 1 });
    const im = client(emu);
    const codes = await Promise.all([codeOf(im.createTopic({ GroupId: GROUP, TopicName: "a" })), codeOf(im.createTopic({ GroupId: GROUP, TopicName: "b" }))]);
    expect(codes.sort()).toEqual([0, 10037]);
    expect(emu.state().groups[GROUP]!.topics).toHaveLength(1);
  });

  it("a before-create callback that times out lets the create go ahead (IM's default), or refuses it with onFailure deny", async () => {
    const slow = app(undefined, true);
    const emu = emulator({ callback: { token, handler: slow.handler, timeoutMs: 30 } });
    await expect(client(emu).createTopic({ GroupId: GROUP, TopicName: "late" })).resolves.toBeDefined();
    const strict = emulator({ callback: { token, handler: slow.handler, timeoutMs: 30, onFailure: "deny" } });
    expect(await codeOf(client(strict).createTopic({ GroupId: GROUP, TopicName: "late" }))).toBe(10016);
  });

  it("modify fires info-changed only for name, introduction, notice or avatar; destroy fires one callback listing the topics; import fires none", async () => {
    const { seen, handler } = app();
    const emu = emulator({ callback: { token, handler } });
    const im = client(emu);
    const { TopicId } = await im.importTopic({ GroupId: GROUP, TopicName: "quiet" });
    await im.modifyTopic({ GroupId: GROUP, TopicId, MuteAllMember: "On", CustomString: "c" });
    await im.modifyTopic({ GroupId: GROUP, TopicId, TopicName: "loud", FaceUrl: "https://x" });
    await im.destroyTopic({ GroupId: GROUP, TopicIdList: [TopicId] });
    await emu.settle();
    expect(seen.map((s) => s.body)).toEqual([
      expect.objectContaining({ CallbackCommand: "Group.CallbackAfterTopicInfoChanged", TopicId, Name: "loud", FaceUrl: "https://x" }),
      expect.objectContaining({ CallbackCommand: "Group.CallbackAfterTopicDestroyed", GroupId: GROUP, TopicIdList: [TopicId] }),
    ]);
    expect(seen[0]!.body).not.toHaveProperty("MuteAllMember");
  });
});

describe("callbacks to a URL (a real server on 127.0.0.1)", () => {
  const token = "url-callback-token";
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A callback app over HTTP: records each request, answers with `reply` (or never, when it returns undefined). */
  async function serve(reply: (body: any) => unknown) {
    const seen: { url: URL; body: any }[] = [];
    const closed: Promise<"closed">[] = [];
    const server = createServer((request, response) => {
      closed.push(new Promise((resolve) => response.on("close", () => resolve("closed"))));
      let text = "";
      request.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      request.on("end", () => {
        const body = JSON.parse(text);
        seen.push({ url: new URL(request.url!, "http://127.0.0.1"), body });
        const answer = reply(body);
        if (answer !== undefined) response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/im-callback?route=topics`, seen, closed };
  }

  it("POSTs each callback signed, on the app's path and query; a veto over HTTP answers 10016 and creates nothing", async () => {
    const app = await serve((body) => ({ ActionStatus: "OK", ErrorCode: body.Name === "vetoed" ? 1 : 0, ErrorInfo: "" }));
    const emu = emulator({ callback: { token, url: app.url }, clock: () => 1_669_872_112_000 });
    const im = client(emu);
    const { TopicId } = await im.createTopic({ GroupId: GROUP, TopicName: "fine" });
    expect(await codeOf(im.createTopic({ GroupId: GROUP, TopicName: "vetoed" }))).toBe(10016);
    await emu.settle();
    expect(app.seen.map((s) => [s.body.CallbackCommand, s.body.Name])).toEqual([
      ["Group.CallbackBeforeCreateTopic", "fine"],
      ["Group.CallbackAfterCreateTopic", "fine"],
      ["Group.CallbackBeforeCreateTopic", "vetoed"],
    ]);
    for (const { url } of app.seen) {
      expect(url.pathname).toBe("/im-callback");
      expect(url.searchParams.get("route")).toBe("topics");
      expect(url.searchParams.get("Sign")).toBe(createHash("sha256").update(`${token}1669872112`).digest("hex"));
    }
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicId)).toEqual([TopicId]);
  });

  it("a URL that never answers: the create goes ahead at the timeout, and the request is aborted (its connection closes)", async () => {
    const app = await serve(() => undefined);
    // Long enough for the request to reach the app on a loaded machine; the point is what happens at the timeout.
    const emu = emulator({ callback: { token, url: app.url, timeoutMs: 1_000 } });
    await expect(client(emu).createTopic({ GroupId: GROUP, TopicName: "late" })).resolves.toBeDefined();
    expect(emu.callbacks[0]!.reply).toEqual({ ok: false, reason: "timeout" });
    // The request reached the app (its handler never answers), then its connection was closed by the abort.
    await vi.waitFor(() => expect(app.closed).toHaveLength(1), { timeout: 5_000 });
    const lingering = new Promise((resolve) => setTimeout(() => resolve("still open"), 2_000));
    expect(await Promise.race([app.closed[0]!, lingering])).toBe("closed");
  });

  it.each(["not a url", "/relative/path", "ftp://127.0.0.1/cb", "file:///etc/passwd"])("refuses callback.url %j with a TimConfigError naming it", (url) => {
    expect(() => createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, callback: { url } })).toThrow(expect.objectContaining({ name: "TimConfigError", option: "callback.url" }));
  });

  it("a callback that fails before it leaves (signing fails) is recorded as failed; no rejection escapes the after-callback path", async () => {
    const escaped: unknown[] = [];
    const onUnhandled = (reason: unknown) => escaped.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const handler = async () => Response.json({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" });
    const TopicId = `${GROUP}@TOPIC#_t`;
    const emu = emulator({ callback: { token, handler }, topics: [{ GroupId: GROUP, TopicId, TopicName: "t" }] });
    const im = client(emu);
    const digest = vi.spyOn(crypto.subtle, "digest").mockRejectedValueOnce(new Error("no digest today"));
    try {
      await im.modifyTopic({ GroupId: GROUP, TopicId, TopicName: "renamed" });
      await emu.settle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      digest.mockRestore();
      process.off("unhandledRejection", onUnhandled);
    }
    expect(escaped).toEqual([]);
    expect(emu.callbacks).toEqual([{ command: "Group.CallbackAfterTopicInfoChanged", body: expect.objectContaining({ Name: "renamed" }), reply: { ok: false, reason: "network" } }]);
  });
});

describe("reset() and work in flight", () => {
  const token = "callback-token";
  /** A callback app that holds `command` until released, and says when one arrived. */
  function held(command: string) {
    let release!: () => void;
    let arrived!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen = new Promise<void>((resolve) => (arrived = resolve));
    const handler = async (request: Request) => {
      const body = (await request.json()) as { CallbackCommand: string };
      if (body.CallbackCommand === command) {
        arrived();
        await gate;
      }
      return Response.json({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "" });
    };
    return { handler, release, seen };
  }

  it("an after-callback sent before reset() is not recorded after it", async () => {
    const app = held("Group.CallbackAfterTopicInfoChanged");
    const TopicId = `${GROUP}@TOPIC#_t`;
    const emu = emulator({ callback: { token, handler: app.handler }, topics: [{ GroupId: GROUP, TopicId, TopicName: "t" }] });
    await client(emu).modifyTopic({ GroupId: GROUP, TopicId, TopicName: "renamed" });
    await app.seen;
    emu.reset();
    app.release();
    await emu.settle();
    expect(emu.callbacks).toEqual([]);
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["t"]);
  });

  it("a create waiting on its before-create callback during reset() does not land in the fresh state", async () => {
    const app = held("Group.CallbackBeforeCreateTopic");
    const emu = emulator({ callback: { token, handler: app.handler } });
    const created = client(emu).createTopic({ GroupId: GROUP, TopicName: "from before the reset" });
    await app.seen;
    emu.reset();
    app.release();
    await expect(created).resolves.toBeDefined(); // it was made, in the state it arrived in
    await emu.settle();
    expect(emu.state().groups).toEqual({});
    expect(emu.calls).toEqual([]);
    expect(emu.callbacks).toEqual([]);
  });
});

describe("callbacks to a handler made by createCallbackHandler", () => {
  it("are verified by it (the emulator signs as IM signs), dispatched typed, and its veto stops the create", async () => {
    const seen: string[] = [];
    const handler = createCallbackHandler({
      sdkAppId: SDK_APP_ID,
      token: "emulator-token",
      on: {
        beforeCreateTopic: (body) => (body.Name === "forbidden" ? { allow: false, code: 10101, info: "not that name" } : undefined),
        afterCreateTopic: (body) => void seen.push(body.TopicId),
      },
    });
    const emu = emulator({ callback: { token: "emulator-token", handler } });
    const im = client(emu);
    const { TopicId } = await im.createTopic({ GroupId: GROUP, TopicName: "fine" });
    await emu.settle();
    expect(seen).toEqual([TopicId]);
    const error = await im.createTopic({ GroupId: GROUP, TopicName: "forbidden" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimApiError", code: 10101, info: "not that name" });
    expect(emu.state().groups[GROUP]!.topics.map((t) => t.TopicName)).toEqual(["fine"]);
    // A handler with another token refuses the emulator's callbacks: IM's default lets the create go ahead.
    const strict = createCallbackHandler({ sdkAppId: SDK_APP_ID, token: "other", on: { beforeCreateTopic: () => ({ allow: false }) } });
    const emu2 = emulator({ callback: { token: "emulator-token", handler: strict } });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await expect(client(emu2).createTopic({ GroupId: GROUP, TopicName: "x" })).resolves.toBeDefined();
    } finally {
      warn.mockRestore();
    }
    expect(emu2.callbacks[0]!.reply).toMatchObject({ ok: false, status: 401, reason: "refused" });
  });

  it("a frozen clock: the app refuses the stale RequestTime (401), the create goes ahead as on IM, and the emulator says so once, with the reply, never the token", async () => {
    const token = "emulator-token-7f3a";
    const handler = createCallbackHandler({ sdkAppId: SDK_APP_ID, token, on: { beforeCreateTopic: () => ({ allow: false, code: 10101, info: "no" }) } });
    const emu = emulator({ callback: { token, handler }, clock: () => 1_600_000_000_000 });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const im = client(emu);
      await im.createTopic({ GroupId: GROUP, TopicName: "not vetoed" });
      await im.createTopic({ GroupId: GROUP, TopicName: "nor this" });
      await emu.settle();
      expect(emu.state().groups[GROUP]!.topics).toHaveLength(2);
      const before = emu.callbacks.find((c) => c.command === "Group.CallbackBeforeCreateTopic")!;
      expect(before.reply).toEqual({ ok: false, status: 401, reason: "refused", body: expect.stringContaining("RequestTime") });
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]![0]);
      expect(message).toContain("Group.CallbackBeforeCreateTopic");
      expect(message).toContain("401");
      expect(message).toContain((before.reply as { body: string }).body); // the app's own reason
      expect(message).not.toContain(token);
    } finally {
      warn.mockRestore();
    }
  });

  it("a 403 reply that echoes the token is recorded without it; the warning stays one line", async () => {
    const token = "echoed-token-91c2";
    const handler = async () => new Response(`<h1>403</h1>\nbad Sign for token ${token}`, { status: 403 });
    const emu = emulator({ callback: { token, handler } });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await client(emu).createTopic({ GroupId: GROUP, TopicName: "t" });
      await emu.settle();
      expect(emu.callbacks[0]!.reply).toEqual({ ok: false, status: 403, reason: "refused", body: "<h1>403</h1>\nbad Sign for token [token]" });
      expect(JSON.stringify(emu.callbacks)).not.toContain(token);
      const message = String(warn.mock.calls[0]![0]);
      expect(message).toContain("<h1>403</h1> bad Sign for token [token]");
      expect(message).not.toContain(token);
      expect(message).not.toContain("\n");
    } finally {
      warn.mockRestore();
    }
  });
});

describe("every answer the emulator gave", () => {
  it("validates against the spec's response schema of its operation", () => {
    expect(answers.length).toBeGreaterThan(50);
    expect(new Set(answers.map((a) => a.operation))).toEqual(new Set(operationIds));
    const codes = new Set(answers.map((a) => (a.body as { ErrorCode: number }).ErrorCode));
    for (const code of [0, 10004, 10006, 10010, 10016, 10021, 10025, 10037, 11000, 60003, 60010, 70001, 70009, 70013, 70014, 70020]) expect(codes, `code ${code}`).toContain(code);
    for (const { operation, body } of answers) expect(responseErrors(operation, body), `${operation} ${JSON.stringify(body)}`).toEqual([]);
  });
});
