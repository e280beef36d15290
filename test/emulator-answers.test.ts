/**
 * Every answer the emulator can give, for every operation of the spec, validates against that operation's 200
 * response schema (Ajv): success, and every error path it has — validation (10004), a body that is not JSON (60003),
 * the query (60002, 60012, 70020), the UserSig and the admin (700xx, 60010), the rate limit (10006), an unknown group
 * (10010), a group without topics (11000), an unknown topic, a duplicate ID and the topic limit where the operation
 * makes topics, per-item failures where it answers per item, a before-callback's veto where it fires one, and a
 * scripted fault for every code the spec documents for it. Driven from generated/operations.ts and the spec's rules
 * and codes, so a new operation is covered without being named here.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { callbacks } from "../generated/callbacks.js";
import { errorCodeRows } from "../generated/error-codes.js";
import { operationIds, operations, type OperationId } from "../generated/operations.js";
import { requestRules } from "../generated/request-rules.js";
import { genUserSig } from "../src/index.js";
import { createEmulator, type Emulator, type EmulatorOptions } from "../src/testing/index.js";
import { responseErrors } from "./helpers/ajv.js";
import { ADMIN, basicBody, SDK_APP_ID, SECRET } from "./helpers/fixtures.js";

type Answer = { ErrorCode: number; ErrorInfo: string; [field: string]: unknown };

let usersig: string;
beforeAll(async () => {
  usersig = await genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 86400 });
});

const emulator = (extra: Partial<EmulatorOptions> = {}) => createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, ...extra });

/**
 * One call as a raw request (for what the SDK would refuse to send), its answer checked as IM's: HTTP 200, JSON, valid
 * by the operation's response schema.
 */
async function call(emu: Emulator, operation: OperationId, body: unknown, query: Record<string, string | undefined> = {}): Promise<Answer> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ sdkappid: String(SDK_APP_ID), identifier: ADMIN, usersig, random: "7", contenttype: "json", ...query })) {
    if (value !== undefined) params.set(name, value);
  }
  const response = await emu.fetch(`https://emulator.test${operations[operation].path}?${params}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as Answer;
  expect(responseErrors(operation, answer), `${operation} ${JSON.stringify(answer)}`).toEqual([]);
  return answer;
}

/** The codes of an answer: the top-level one, or each item's when the operation answers per item. */
function codesOf(operation: OperationId, answer: Answer): number[] {
  const items = "items" in operations[operation] ? (answer[(operations[operation] as { items: { array: string } }).items.array] as { ErrorCode: number }[] | undefined) : undefined;
  return answer.ErrorCode === 0 && items ? items.map((i) => i.ErrorCode) : [answer.ErrorCode];
}

/** The topic IDs an operation's basic body names (seeded where the operation reads or changes topics). */
function topicIdsOf(body: Record<string, unknown>): string[] {
  return [body.TopicId, ...((body.TopicIdList as unknown[] | undefined) ?? [])].filter((id): id is string => typeof id === "string");
}

const makesTopics = (operation: OperationId) => "duplicateIdCodes" in operations[operation];
/** A body of `operation` that the emulator answers with success once `seeded` is in place. */
function setUp(operation: OperationId) {
  const body = basicBody(operation);
  const GroupId = body.GroupId as string;
  const seeded = makesTopics(operation) ? [] : topicIdsOf(body).map((TopicId) => ({ GroupId, TopicId, TopicName: "seeded" }));
  return { body, GroupId, seeded: { groups: { [GroupId]: true }, topics: seeded } satisfies Partial<EmulatorOptions> };
}

const expired = () => genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 1, now: 1_000 });
const signedBy = (over: { sdkAppId?: number; secretKey?: string; identifier?: string }) =>
  genUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, expireSeconds: 600, ...over });

describe.each(operationIds)("%s: every answer the emulator can give validates against the spec", (operation) => {
  const documented = errorCodeRows.filter((row) => row.public || row.operations.includes(operation)).map((row) => row.code);

  it("success", async () => {
    const { body, seeded } = setUp(operation);
    expect(codesOf(operation, await call(emulator(seeded), operation, body)).every((c) => c === 0)).toBe(true);
  });

  it.each([
    ["10004: a required field missing", async () => ({ body: {} }), 10004],
    ["10004: an unknown field", async () => ({ body: { ...basicBody(operation), NotAField: 1 } }), 10004],
    ["60003: a body that is not JSON", async () => ({ body: "{" }), 60003],
    ["60002: no random", async () => ({ query: { random: undefined } }), 60002],
    ["60002: a random past uint32", async () => ({ query: { random: "4294967296" } }), 60002],
    ["60002: no contenttype", async () => ({ query: { contenttype: undefined } }), 60002],
    ["60002: no identifier", async () => ({ query: { identifier: undefined } }), 60002],
    ["60012: no sdkappid", async () => ({ query: { sdkappid: undefined } }), 60012],
    ["70020: another sdkappid", async () => ({ query: { sdkappid: String(SDK_APP_ID + 1) } }), 70020],
    ["70002: no UserSig", async () => ({ query: { usersig: undefined } }), 70002],
    ["70001: an expired UserSig", async () => ({ query: { usersig: await expired() } }), 70001],
    ["70003: a corrupt UserSig", async () => ({ query: { usersig: "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1" } }), 70003],
    ["70009: a UserSig of another key", async () => ({ query: { usersig: await signedBy({ secretKey: "another-key" }) } }), 70009],
    ["70013: a UserSig of another user", async () => ({ query: { usersig: await signedBy({ identifier: "bob" }) } }), 70013],
    ["70014: a UserSig of another app", async () => ({ query: { usersig: await signedBy({ sdkAppId: SDK_APP_ID + 1 }) } }), 70014],
    ["60010: not the App admin", async () => ({ query: { identifier: "bob", usersig: await signedBy({ identifier: "bob" }) } }), 60010],
  ] as const)("%s", async (_, make, code) => {
    const { body, seeded } = setUp(operation);
    const request: { body?: unknown; query?: Record<string, string | undefined> } = await make();
    expect((await call(emulator(seeded), operation, request.body ?? body, request.query)).ErrorCode).toBe(code);
  });

  it("10006: one call past the spec's rate limit in 1 s", async () => {
    // The window is the emulator's monotonic clock, held still here: a loaded machine cannot slide it mid-test.
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const emu = emulator({ checkCredentials: false });
      for (let i = 0; i < operations[operation].rateLimitPerSecond; i++) await call(emu, operation, {});
      expect((await call(emu, operation, basicBody(operation))).ErrorCode).toBe(10006);
    } finally {
      vi.useRealTimers();
    }
  });

  it("10010: an unknown group (a call that makes topics: with autoCreateGroups false)", async () => {
    const GroupId = "@TGS#_unknown";
    const body: Record<string, unknown> = { ...basicBody(operation), GroupId };
    // A custom TopicId carries its group's ID.
    const rule = (requestRules[operation].fields as Record<string, object>).TopicId;
    if (typeof body.TopicId === "string" && rule && "customTopicId" in rule) body.TopicId = `${GroupId}@TOPIC#_x`;
    const emu = emulator({ autoCreateGroups: !makesTopics(operation) });
    expect((await call(emu, operation, body)).ErrorCode).toBe(10010);
  });

  it("11000: a group declared without topics", async () => {
    const { body, GroupId } = setUp(operation);
    expect((await call(emulator({ groups: { [GroupId]: false } }), operation, body)).ErrorCode).toBe(11000);
  });

  it("a scripted fault, for every code the spec documents for the operation", async () => {
    const { body, seeded } = setUp(operation);
    const emu = emulator(seeded);
    for (const code of new Set(documented)) {
      emu.inject({ operation, code });
      expect((await call(emu, operation, body)).ErrorCode, String(code)).toBe(code);
    }
  });

  it.runIf("TopicId" in requestRules[operation].fields && !makesTopics(operation))("10010: a topic that does not exist", async () => {
    const { body, GroupId } = setUp(operation);
    expect((await call(emulator({ groups: { [GroupId]: true } }), operation, body)).ErrorCode).toBe(10010);
  });

  it.runIf(makesTopics(operation))("the spec's duplicate-ID code: a TopicId in use", async () => {
    const { body, GroupId } = setUp(operation);
    const TopicId = `${GroupId}@TOPIC#_taken`;
    const emu = emulator({ topics: [{ GroupId, TopicId, TopicName: "taken" }] });
    expect((await call(emu, operation, { ...body, TopicId })).ErrorCode).toBe((operations[operation] as { duplicateIdCodes: readonly number[] }).duplicateIdCodes[0]);
  });

  it.runIf(makesTopics(operation))("10037: past the Community's topic limit", async () => {
    const { body, GroupId } = setUp(operation);
    const emu = emulator({ topicLimit: 1, topics: [{ GroupId, TopicId: `${GroupId}@TOPIC#_only`, TopicName: "only" }] });
    expect((await call(emu, operation, body)).ErrorCode).toBe(10037);
  });

  const items = "items" in operations[operation] ? (operations[operation] as { items: { request: string } }).items : undefined;
  it.runIf(items)("per-item failures: a destroyed topic and one that never existed", async () => {
    const { body, GroupId } = setUp(operation);
    const gone = `${GroupId}@TOPIC#_gone`;
    const emu = emulator({ topics: [{ GroupId, TopicId: gone, TopicName: "gone" }] });
    await call(emu, "destroyTopic", { GroupId, TopicIdList: [gone] });
    const codes = codesOf(operation, await call(emu, operation, { ...body, [items!.request]: [gone, `${GroupId}@TOPIC#_never`] }));
    expect(codes).toHaveLength(2);
    expect(codes.every((c) => c !== 0 && documented.includes(c)), String(codes)).toBe(true);
  });

  it.each([
    ["a refusal (10016)", { ActionStatus: "OK", ErrorCode: 1, ErrorInfo: "" }, 10016],
    ["the app's own code in the spec's range", { ActionStatus: "OK", ErrorCode: 10150, ErrorInfo: "not that" }, 10150],
    ["an answer that is not IM's, with onFailure deny (10016)", { nonsense: true }, 10016],
  ] as const)("a before-callback's veto, where the operation fires one: %s", async (_, reply, code) => {
    const { body, seeded } = setUp(operation);
    const fired: string[] = [];
    const handler = async (request: Request) => {
      fired.push(((await request.json()) as { CallbackCommand: string }).CallbackCommand);
      return Response.json(reply);
    };
    const emu = emulator({ ...seeded, callback: { handler, onFailure: "deny" } });
    const answer = await call(emu, operation, body);
    await emu.settle();
    const vetoable = fired.some((command) => callbacks[command as keyof typeof callbacks].kind === "before");
    expect(answer.ErrorCode).toBe(vetoable ? code : 0);
  });
});
