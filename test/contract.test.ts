/**
 * The contract suite, for every operation of the spec, against two stand-ins for IM: the Prism mock of
 * openapi/openapi.yaml (started once by test/setup/prism.ts with --errors) and the local emulator (tim-topics/testing).
 * The client's real requests pass the target's checks (Prism's validation; the emulator's rules, state and answers,
 * each answer checked against the spec with Ajv), every named response example is handled as its body says (through
 * the operation's descriptor: the picked field, the per-item outcomes), and both targets really refuse bad bodies
 * (stoplightio/prism#2574 would hide that on Prism).
 */
import { describe, expect, inject, it } from "vitest";
import { operationIds, type OperationId } from "../generated/operations.js";
import { retryCodes } from "../generated/retry-codes.js";
import { errorCodesOf } from "../scripts/lib/operation-metadata.mjs";
import { readPath } from "../src/call/shape.js";
import { createClient, TimApiError, TimHttpError, type TimClient } from "../src/index.js";
import { operationTable } from "../src/operations.js";
import { createEmulator, type Emulator } from "../src/testing/index.js";
import { responseErrors } from "./helpers/ajv.js";
import { ADMIN, basicBody, requestExamples, responseExamples, SDK_APP_ID, SECRET, spec } from "./helpers/fixtures.js";

interface Seen {
  status: number;
  violations: string | null;
  url: string;
  body: string;
}

/** Prism's URL from test/setup/prism.ts. Without it the client would default to IM's production host: refuse. */
function prismUrl(): string {
  const url = inject("prismUrl");
  if (!url) throw new Error("no Prism mock: run with `--config test/vitest.config.ts` (npm run test:unit)");
  return url;
}

/** The topics an operation's request examples name, so that a stateful target can answer them with success. */
function topicsNamedBy(operation: OperationId) {
  if (operationTable[operation].idempotency === "keyed") return []; // they bring their own ID, which must be free
  return Object.values(requestExamples(operation)).flatMap((example) =>
    [example.TopicId, ...((example.TopicIdList as unknown[] | undefined) ?? [])]
      .filter((id): id is string => typeof id === "string")
      .map((TopicId) => ({ GroupId: example.GroupId as string, TopicId, TopicName: "seeded" })),
  );
}

interface Target {
  name: string;
  /** A client of the target whose fetch records every answer; the target is fresh (and seeded for `operation`). */
  connect(operation: OperationId, extra?: { validate?: boolean }): { im: TimClient; seen: Seen[]; emulator?: Emulator };
  /** Options that make the next call of `operation` answer the named response example. */
  answerWith(connection: ReturnType<Target["connect"]>, operation: OperationId, name: string): { headers?: Record<string, string> };
}

function recording(baseUrl: string, inner: typeof fetch, extra: { validate?: boolean }) {
  const seen: Seen[] = [];
  const im = createClient({
    sdkAppId: SDK_APP_ID,
    identifier: ADMIN,
    secretKey: SECRET,
    baseUrl,
    maxRetries: 0,
    ...extra,
    fetch: async (input, init) => {
      const response = await inner(input, init);
      const body = await response.clone().text();
      seen.push({ status: response.status, violations: response.headers.get("sl-violations"), url: String(input), body });
      return response;
    },
  });
  return { im, seen };
}

const targets: Target[] = [
  {
    name: "Prism",
    connect: (_operation, extra = {}) => recording(prismUrl(), (input, init) => fetch(input, init), extra),
    answerWith: (_connection, _operation, name) => ({ headers: { Prefer: `example=${name}` } }),
  },
  {
    name: "the emulator",
    connect(operation, extra = {}) {
      const emulator = createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, topics: topicsNamedBy(operation) });
      return { ...recording("https://emulator.test", emulator.fetch, extra), emulator };
    },
    answerWith(connection, operation, name) {
      // As Prism answers the example to every attempt (the re-sign after a refused signature included).
      const example = responseExamples(operation)[name]!;
      connection.emulator!.inject({ operation, answer: example, times: expectedAttempts(operation, example.ErrorCode) });
      return {};
    },
  },
];

/** Calls operation `id` the way a user does: `im[id](body, options)`. */
const callOf = (im: TimClient, id: OperationId) => im[id] as (body: unknown, options?: object) => Promise<Record<string, any>>;

/** Attempts the client makes for a code when maxRetries is 0: one, plus one re-sign for a `resign` code. */
function expectedAttempts(id: OperationId, code: number) {
  return (retryCodes[id].resign as readonly number[]).includes(code) ? 2 : 1;
}

it("the suite covers every operation of the spec, each with request and response examples", () => {
  expect(operationIds.length).toBeGreaterThan(0);
  for (const id of operationIds) {
    expect(Object.keys(requestExamples(id)), id).toContain("basic");
    expect(Object.keys(responseExamples(id)).length, id).toBeGreaterThan(0);
  }
});

describe.each(targets.map((t) => [t.name, t] as const))("against %s", (_, target) => {
  describe.each(operationIds)("%s", (id) => {
    const descriptor = operationTable[id];

    it.each(Object.keys(requestExamples(id)))("sends the %s request example; the target finds nothing to object to", async (name) => {
      const connection = target.connect(id);
      const result = await callOf(connection.im, id)(requestExamples(id)[name]!);
      const { seen } = connection;
      expect(seen).toHaveLength(1);
      expect(seen[0]!.status).toBe(200);
      expect(seen[0]!.violations).toBeNull();
      expect(responseErrors(id, JSON.parse(seen[0]!.body))).toEqual([]);
      expect(result.response.ErrorCode).toBe(0);
      // The query carries all five parameters, with usersig in IM's URL-safe alphabet.
      const query = new URL(seen[0]!.url).searchParams;
      expect(query.get("sdkappid")).toBe(String(SDK_APP_ID));
      expect(query.get("identifier")).toBe(ADMIN);
      expect(query.get("contenttype")).toBe("json");
      expect(query.get("usersig")).toMatch(/^[A-Za-z0-9*_-]+$/);
      const random = Number(query.get("random"));
      expect(Number.isInteger(random) && random >= 0 && random <= 0xffffffff).toBe(true);
    });

    it.each(Object.keys(responseExamples(id)))("handles the %s response example as its body says", async (name) => {
      const connection = target.connect(id);
      const example = responseExamples(id)[name]!;
      const options = target.answerWith(connection, id, name);
      const outcome = await callOf(connection.im, id)(basicBody(id), options).then(
        (result) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      );
      expect(connection.seen.every((s) => s.violations === null)).toBe(true);

      if (example.ErrorCode !== 0) {
        expect(outcome.error).toBeInstanceOf(TimApiError);
        const error = outcome.error as TimApiError;
        expect(error.code).toBe(example.ErrorCode);
        expect(error.info).toBe(example.ErrorInfo);
        expect(error.operation).toBe(id);
        expect(error.meaning?.zh).toBeTruthy();
        expect(error.meaning?.en).toBeTruthy();
        expect(error.attempts).toBe(expectedAttempts(id, example.ErrorCode));
        expect(connection.seen).toHaveLength(expectedAttempts(id, example.ErrorCode));
        return;
      }
      expect(outcome.error).toBeUndefined();
      const result = outcome.result!;
      expect(result.meta.attempts).toBe(1);
      expect(result.response).toEqual(example);
      if (descriptor.pick) expect(result[descriptor.pick]).toBe(example[descriptor.pick]);
      if (!descriptor.items) return;
      const { array, id: idPath, as, fields } = descriptor.items;
      const items = (example[array] ?? []) as any[];
      const idKey = idPath[idPath.length - 1]!;
      expect(result[as]).toHaveLength(items.length);
      (result[as] as any[]).forEach((item, i) => {
        const answered = items[i];
        expect(item.ok).toBe(answered.ErrorCode === 0);
        const itemId = readPath(answered, idPath);
        if (itemId !== undefined) expect(item[idKey]).toBe(itemId);
        if (item.ok) {
          for (const field of fields) expect(item[field]).toEqual(answered[field]);
        } else {
          expect(item.error).toBeInstanceOf(TimApiError);
          expect(item.error.code).toBe(answered.ErrorCode);
          expect(item.error.info).toBe(answered.ErrorInfo);
          expect(item.error.meaning?.en).toBeTruthy();
        }
      });
    });

    it("refuses a bad body the SDK would not send (validation off): a GroupId that is not a Community ID", async () => {
      const connection = target.connect(id, { validate: false });
      const error = await callOf(connection.im, id)({ ...basicBody(id), GroupId: "not-a-community-group" }).catch((e: unknown) => e);
      expect(connection.seen).toHaveLength(1);
      if (target.name === "Prism") {
        // Prism answers 422 with its report (not IM's way; IM answers 10004, as the emulator does).
        expect(error).toBeInstanceOf(TimHttpError);
        expect((error as TimHttpError).status).toBe(422);
        const problem = JSON.parse(connection.seen[0]!.body) as { validation: { location: string[]; code: string }[] };
        expect(problem.validation).toContainEqual(expect.objectContaining({ location: ["body", "GroupId"], code: "pattern" }));
      } else {
        expect(error).toMatchObject({ name: "TimApiError", code: 10004 });
        expect((error as TimApiError).info).toContain("GroupId");
      }
    });

    it("refuses an unknown body field", async () => {
      const connection = target.connect(id, { validate: false });
      const error = await callOf(connection.im, id)({ ...basicBody(id), NotAField: 1 }).catch((e: unknown) => e);
      if (target.name === "Prism") {
        expect(error).toBeInstanceOf(TimHttpError);
        expect((error as TimHttpError).status).toBe(422);
        expect(connection.seen[0]!.body).toContain("additionalProperties");
      } else {
        expect(error).toMatchObject({ name: "TimApiError", code: 10004 });
        expect((error as TimApiError).info).toContain("NotAField");
      }
    });
  });
});

describe.each(operationIds)("%s in the spec", (id) => {
  it("has a named error example for every private error code of the operation", () => {
    const codes = [...errorCodesOf(spec, id)].filter((code: number) => code !== 0 && (code < 60000 || code > 79999));
    expect(codes.length).toBeGreaterThan(0);
    const named = new Set(Object.keys(responseExamples(id)));
    expect(codes.filter((code) => !named.has(`error${code}`))).toEqual([]);
  });
});
