/**
 * Contract tests against the Prism mock of openapi/openapi.yaml (started once by test/setup/prism.ts with --errors),
 * for every operation of the spec: the client's real requests pass Prism's validation, every named response example
 * is handled as its body says (through the operation's descriptor: the picked field, the per-item outcomes), and
 * Prism really rejects bad bodies of every operation (stoplightio/prism#2574 would hide that).
 */
import { describe, expect, inject, it } from "vitest";
import { operationIds, type OperationId } from "../generated/operations.js";
import { retryCodes } from "../generated/retry-codes.js";
import { errorCodesOf } from "../scripts/lib/operation-metadata.mjs";
import { createClient, TimApiError, TimHttpError, type TimClient } from "../src/index.js";
import { operationTable } from "../src/operations.js";
import { readPath } from "../src/call/shape.js";
import { basicBody, requestExamples as requestExamplesOf, responseExamples as responseExamplesOf, SECRET, spec } from "./helpers/fixtures.js";

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

/** A client on Prism whose fetch records every response's status and `sl-violations` header. */
function recordingClient(extra: { validate?: boolean } = {}): { im: TimClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const im = createClient({
    sdkAppId: 1400000000,
    identifier: "administrator",
    secretKey: SECRET,
    baseUrl: prismUrl(),
    maxRetries: 0,
    ...extra,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const body = await response.clone().text();
      seen.push({ status: response.status, violations: response.headers.get("sl-violations"), url: String(input), body });
      return response;
    },
  });
  return { im, seen };
}

const requestExamples = requestExamplesOf;
const responseExamples = responseExamplesOf;
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

describe.each(operationIds)("%s against Prism", (id) => {
  const descriptor = operationTable[id];
  const call = (im: TimClient, body: Record<string, unknown>, prefer?: string) => callOf(im, id)(body, prefer ? { headers: { Prefer: prefer } } : undefined);

  it.each(Object.keys(requestExamples(id)))("sends the %s request example and Prism finds nothing to object to", async (name) => {
    const { im, seen } = recordingClient();
    await call(im, requestExamples(id)[name]!);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.status).toBe(200);
    expect(seen[0]!.violations).toBeNull();
    // The query carries all five parameters, with usersig in IM's URL-safe alphabet.
    const query = new URL(seen[0]!.url).searchParams;
    expect(query.get("sdkappid")).toBe("1400000000");
    expect(query.get("identifier")).toBe("administrator");
    expect(query.get("contenttype")).toBe("json");
    expect(query.get("usersig")).toMatch(/^[A-Za-z0-9*_-]+$/);
    const random = Number(query.get("random"));
    expect(Number.isInteger(random) && random >= 0 && random <= 0xffffffff).toBe(true);
  });

  const baseBody = () => basicBody(id);

  it.each(Object.keys(responseExamples(id)))("handles the %s response example as its body says", async (name) => {
    const { im, seen } = recordingClient();
    const example = responseExamples(id)[name]!;
    const outcome = await call(im, baseBody(), `example=${name}`).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    expect(seen.every((s) => s.violations === null)).toBe(true);

    if (example.ErrorCode !== 0) {
      expect(outcome.error).toBeInstanceOf(TimApiError);
      const error = outcome.error as TimApiError;
      expect(error.code).toBe(example.ErrorCode);
      expect(error.info).toBe(example.ErrorInfo);
      expect(error.operation).toBe(id);
      expect(error.meaning?.zh).toBeTruthy();
      expect(error.meaning?.en).toBeTruthy();
      expect(error.attempts).toBe(expectedAttempts(id, example.ErrorCode));
      expect(seen).toHaveLength(expectedAttempts(id, example.ErrorCode));
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
    (result[as] as any[]).forEach((outcome, i) => {
      const item = items[i];
      expect(outcome.ok).toBe(item.ErrorCode === 0);
      const id = readPath(item, idPath);
      if (id !== undefined) expect(outcome[idKey]).toBe(id);
      if (outcome.ok) {
        for (const field of fields) expect(outcome[field]).toEqual(item[field]);
      } else {
        expect(outcome.error).toBeInstanceOf(TimApiError);
        expect(outcome.error.code).toBe(item.ErrorCode);
        expect(outcome.error.info).toBe(item.ErrorInfo);
        expect(outcome.error.meaning?.en).toBeTruthy();
      }
    });
  });

  it("has a named error example for every private error code of the operation", () => {
    const codes = [...errorCodesOf(spec, id)].filter((code: number) => code !== 0 && (code < 60000 || code > 79999));
    expect(codes.length).toBeGreaterThan(0);
    const named = new Set(Object.keys(responseExamples(id)));
    expect(codes.filter((code) => !named.has(`error${code}`))).toEqual([]);
  });

  it("is really validated by Prism: a bad body is refused with 422 (not hidden by prism#2574)", async () => {
    const { im, seen } = recordingClient({ validate: false });
    const bad = { ...baseBody(), GroupId: "not-a-community-group" };
    const error = await call(im, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimHttpError);
    expect((error as TimHttpError).status).toBe(422);
    expect(seen).toHaveLength(1);
    const problem = JSON.parse(seen[0]!.body) as { validation: { location: string[]; code: string }[] };
    expect(problem.validation).toContainEqual(expect.objectContaining({ location: ["body", "GroupId"], code: "pattern" }));
  });

  it("is really validated by Prism: an unknown body field is refused with 422", async () => {
    const { im, seen } = recordingClient({ validate: false });
    const error = await call(im, { ...baseBody(), NotAField: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimHttpError);
    expect((error as TimHttpError).status).toBe(422);
    expect(seen[0]!.body).toContain("additionalProperties");
  });
});
