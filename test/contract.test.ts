/**
 * Contract tests against the Prism mock of openapi/openapi.yaml (started once by test/setup/prism.ts with --errors):
 * the client's real requests pass Prism's validation, every named response example is handled as its body says,
 * and Prism really rejects bad bodies of both operations (stoplightio/prism#2574 would hide that).
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { createClient, TimApiError, TimHttpError, type TimClient } from "../src/index.js";
import { requestRules, type OperationId } from "../generated/request-rules.js";
import { retryCodes } from "../generated/retry-codes.js";

const spec = parse(readFileSync(new URL("../openapi/openapi.yaml", import.meta.url), "utf8"));
const SECRET = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

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

function operationOf(id: OperationId) {
  return spec.paths[requestRules[id].path].post;
}
const requestExamples = (id: OperationId): Record<string, { value: Record<string, unknown> }> =>
  operationOf(id).requestBody.content["application/json"].examples;
const responseExamples = (id: OperationId): Record<string, { value: Record<string, any> }> =>
  operationOf(id).responses["200"].content["application/json"].examples;

/** Attempts the client makes for a code when maxRetries is 0: one, plus one re-sign for a `resign` code. */
function expectedAttempts(id: OperationId, code: number) {
  return (retryCodes[id].resign as readonly number[]).includes(code) ? 2 : 1;
}

describe.each(["createTopic", "getTopic"] as const)("%s against Prism", (id) => {
  const call = (im: TimClient, body: Record<string, unknown>, prefer?: string) =>
    id === "createTopic"
      ? im.createTopic(body as never, prefer ? { headers: { Prefer: prefer } } : undefined)
      : im.getTopic(body as never, prefer ? { headers: { Prefer: prefer } } : undefined);

  it.each(Object.keys(requestExamples(id)))("sends the %s request example and Prism finds nothing to object to", async (name) => {
    const { im, seen } = recordingClient();
    await call(im, requestExamples(id)[name]!.value);
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

  const baseBody = () => requestExamples(id).basic!.value;

  it.each(Object.keys(responseExamples(id)))("handles the %s response example as its body says", async (name) => {
    const { im, seen } = recordingClient();
    const example = responseExamples(id)[name]!.value;
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
    if ("TopicId" in result) {
      expect(result.TopicId).toBe(example.TopicId);
      return;
    }
    const items = example.TopicAndSelfInfo as any[];
    expect(result.topics).toHaveLength(items.length);
    result.topics.forEach((topic, i) => {
      const item = items[i];
      expect(topic.ok).toBe(item.ErrorCode === 0);
      if (topic.ok) {
        expect(topic.TopicInfo).toEqual(item.TopicInfo);
        expect(topic.SelfInfo).toEqual(item.SelfInfo);
        expect(topic.TopicId).toBe(item.TopicInfo.TopicId);
      } else {
        expect(topic.error).toBeInstanceOf(TimApiError);
        expect(topic.error.code).toBe(item.ErrorCode);
        expect(topic.error.info).toBe(item.ErrorInfo);
        expect(topic.error.meaning?.en).toBeTruthy();
      }
    });
  });

  it("has a named error example for every private error code of the operation", () => {
    const schemaName = id === "createTopic" ? "CreateTopicPrivateErrorCode" : "GetTopicPrivateErrorCode";
    const codes: number[] = spec.components.schemas[schemaName].enum;
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
