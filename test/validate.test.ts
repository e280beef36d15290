/** validateRequest / checkBody: each rule of the generated request rules refuses with an issue that names it. */
import { describe, expect, it } from "vitest";
import { checkBody, checkRequest, TimValidationError, validateRequest } from "../src/index.js";
import type { ObjectRule, StringRule } from "../src/validate.js";
import { requestRules } from "../generated/request-rules.js";
import { operationIds, type OperationId } from "../generated/operations.js";
import { basicBody, GROUP } from "./helpers/fixtures.js";

const validCreate = basicBody("createTopic");
const validGet = basicBody("getTopic");
const fieldsOf = (operation: OperationId): Record<string, { type: string; required?: boolean }> => requestRules[operation].fields;
const stringRule = (operation: OperationId, field: string) => fieldsOf(operation)[field] as StringRule;

function refusal(operation: OperationId, body: unknown): TimValidationError {
  try {
    validateRequest(operation, body);
  } catch (error) {
    expect(error).toBeInstanceOf(TimValidationError);
    return error as TimValidationError;
  }
  throw new Error("expected a TimValidationError, but the body was accepted");
}

describe("validateRequest", () => {
  it.each(operationIds)("%s accepts its basic request example", (operation) => {
    expect(() => validateRequest(operation, basicBody(operation))).not.toThrow();
  });

  const requiredFields = operationIds.flatMap((operation) =>
    Object.entries(fieldsOf(operation))
      .filter(([, rule]) => rule.required)
      .map(([field]) => [operation, field] as const),
  );
  it("finds required fields to check in every operation", () => {
    expect(new Set(requiredFields.map(([operation]) => operation))).toEqual(new Set(operationIds));
  });
  it.each(requiredFields)("%s requires %s", (operation, field) => {
    const body = basicBody(operation);
    delete body[field];
    const error = refusal(operation, body);
    expect(error).toMatchObject({ field, rule: "required", operation });
    expect(error.message).toContain(field);
  });

  it("reports every problem, one per field, the first as the error's own field", () => {
    const error = refusal("createTopic", { ...validCreate, Typo: 1, TopicName: "", FaceUrl: 5, Notification: "x".repeat(301) });
    expect(error.issues.map((i) => [i.field, i.rule])).toEqual([
      ["Typo", "unknownField"],
      ["TopicName", "minLength"],
      ["FaceUrl", "type"],
      ["Notification", "maxBytes"],
    ]);
    expect(error).toMatchObject({ field: "Typo", rule: "unknownField" });
    expect(error.message).toContain("and 3 more: TopicName, FaceUrl, Notification");
    // checkBody gives the same list without throwing, for forms.
    expect(checkBody(requestRules.createTopic, { ...validCreate, Typo: 1, TopicName: "", FaceUrl: 5, Notification: "x".repeat(301) })).toEqual(error.issues);
    expect(checkBody(requestRules.createTopic, validCreate)).toEqual([]);
    // checkRequest is the same list by operation name, the way a form calls it (README "Several wrong fields").
    expect(checkRequest("createTopic", { ...validCreate, Typo: 1, TopicName: "", FaceUrl: 5, Notification: "x".repeat(301) })).toEqual(error.issues);
    expect(checkRequest("createTopic", validCreate)).toEqual([]);
  });

  it("refuses a body that is not an object", () => {
    expect(refusal("createTopic", null).rule).toBe("type");
    expect(refusal("createTopic", [validCreate]).rule).toBe("type");
  });

  it("refuses unknown fields (the spec's bodies are closed), naming them", () => {
    const error = refusal("createTopic", { ...validCreate, Topicname: "typo" });
    expect(error).toMatchObject({ field: "Topicname", rule: "unknownField" });
  });

  it("treats undefined fields as absent", () => {
    expect(() => validateRequest("createTopic", { ...validCreate, FaceUrl: undefined })).not.toThrow();
  });

  it("counts UTF-8 bytes, not characters, and reports the limit and the actual size", () => {
    const limit = stringRule("createTopic", "TopicName").maxBytes!;
    const cjk = "话".repeat(Math.floor(limit / 3)); // 3 bytes each
    expect(() => validateRequest("createTopic", { ...validCreate, TopicName: cjk })).not.toThrow();
    const error = refusal("createTopic", { ...validCreate, TopicName: `${cjk}${"a".repeat(limit - 3 * cjk.length + 1)}` });
    expect(error).toMatchObject({ field: "TopicName", rule: "maxBytes", limit });
    expect(error.actual).toBeGreaterThan(limit);
    expect(error.message).toContain(`limit is ${limit}`);
  });

  it("refuses a lone surrogate instead of letting it become U+FFFD", () => {
    const error = refusal("createTopic", { ...validCreate, Notification: "ok\uD83D" });
    expect(error).toMatchObject({ field: "Notification", rule: "loneSurrogate" });
  });

  it("refuses a lone surrogate in a string without a byte limit too", () => {
    const field = Object.entries(requestRules.getTopic.fields).find(([, rule]) => rule.type === "string" && !("maxBytes" in rule))![0];
    const error = refusal("getTopic", { GroupId: validCreate.GroupId, From_Account: "u", [field]: "a\uDC00b" });
    expect(error).toMatchObject({ field, rule: "loneSurrogate" });
  });

  it("requires a Community group ID (prefix @TGS#_)", () => {
    const error = refusal("getTopic", { ...validGet, GroupId: "@TGS#cQVLVHIM62CJ" });
    expect(error).toMatchObject({ field: "GroupId", rule: "pattern" });
  });

  it("refuses an empty TopicName", () => {
    expect(refusal("createTopic", { ...validCreate, TopicName: "" })).toMatchObject({ field: "TopicName", rule: "minLength" });
  });

  it("refuses non-string values with rule `type`", () => {
    expect(refusal("getTopic", { ...validGet, From_Account: 1400187352 })).toMatchObject({ field: "From_Account", rule: "type" });
    expect(refusal("getTopic", { ...validGet, TopicIdList: "x" })).toMatchObject({ field: "TopicIdList", rule: "type" });
  });

  describe("custom TopicId", () => {
    const separator = stringRule("createTopic", "TopicId").customTopicId!.separator;

    it("accepts GroupId + separator + custom part", () => {
      expect(() => validateRequest("createTopic", { ...validCreate, TopicId: `${GROUP}${separator}TestTopic` })).not.toThrow();
    });

    it("refuses a TopicId of another group", () => {
      const error = refusal("createTopic", { ...validCreate, TopicId: `@TGS#_other${separator}TestTopic` });
      expect(error).toMatchObject({ field: "TopicId", rule: "topicIdPrefix", limit: `${GROUP}${separator}` });
    });

    it("refuses a custom part that forges the IM-assigned form (…@TOPIC#_@TOPIC#…)", () => {
      const error = refusal("createTopic", { ...validCreate, TopicId: `${GROUP}${separator}@TOPIC#cRTE3HIM62C5` });
      expect(error).toMatchObject({ field: "TopicId", rule: "topicIdForbidden", limit: "@TOPIC#_@TOPIC#" });
    });

    it.each(stringRule("createTopic", "TopicId").customTopicId!.forbiddenAfterGroupId)("refuses %s in the custom part", (forbidden) => {
      const error = refusal("createTopic", { ...validCreate, TopicId: `${GROUP}${separator}x${forbidden}y` });
      expect(error).toMatchObject({ field: "TopicId", rule: "topicIdForbidden", limit: forbidden });
    });

    it("refuses non-ASCII and over-long IDs", () => {
      expect(refusal("createTopic", { ...validCreate, TopicId: `${GROUP}${separator}话题` }).rule).toBe("pattern");
      const max = stringRule("createTopic", "TopicId").maxBytes!;
      const long = `${GROUP}${separator}${"x".repeat(max)}`;
      expect(refusal("createTopic", { ...validCreate, TopicId: long })).toMatchObject({ rule: "maxBytes", limit: max, actual: long.length });
    });
  });

  describe("get_topic lists", () => {
    it("names the failing item of TopicIdList", () => {
      const good = `${GROUP}@TOPIC#_@TOPIC#cRTE3HIM62C5`;
      const error = refusal("getTopic", { ...validGet, TopicIdList: [good, "not-a-topic-id-of-any-group"] });
      expect(error).toMatchObject({ field: "TopicIdList[1]", rule: "pattern" });
    });

    it("accepts every ResponseFilter value of the spec and refuses others", () => {
      const fields = requestRules.getTopic.fields.ResponseFilter.items.enum;
      expect(() => validateRequest("getTopic", { ...validGet, ResponseFilter: [...fields] })).not.toThrow();
      const error = refusal("getTopic", { ...validGet, ResponseFilter: ["TopicName", "Owner"] });
      expect(error).toMatchObject({ field: "ResponseFilter[1]", rule: "enum" });
    });
  });
});

/** The rule kinds the generator can emit, on synthetic rules (so each is proven enforced, whatever the spec uses today). */
describe("checkBody enforces every rule kind", () => {
  const rules: ObjectRule = {
    type: "object",
    additionalProperties: false,
    fields: {
      list: { type: "array", minItems: 1, maxItems: 2, items: { type: "string" } },
      count: { type: "integer", minimum: 0, maximum: 10 },
      kind: { type: "integer", enum: [1, 2] },
      either: { type: "anyOf", anyOf: [{ type: "integer" }, { type: "string" }] },
      anything: { type: "any" },
      nested: { type: "object", additionalProperties: true, fields: { Key: { type: "string", required: true } } },
      rows: { type: "array", items: { type: "object", additionalProperties: false, fields: { Key: { type: "string", required: true } } } },
    },
  };
  const issue = (body: Record<string, unknown>) => checkBody(rules, body).map((i) => [i.field, i.rule, i.limit, i.actual]);

  it.each([
    [{ list: [] }, ["list", "minItems", 1, 0]],
    [{ list: ["a", "b", "c"] }, ["list", "maxItems", 2, 3]],
    [{ list: ["a", 1] }, ["list[1]", "type", "string", undefined]],
    [{ count: -1 }, ["count", "minimum", 0, -1]],
    [{ count: 11 }, ["count", "maximum", 10, 11]],
    [{ count: 1.5 }, ["count", "type", "integer", undefined]],
    [{ count: 2 ** 53 }, ["count", "type", "integer", undefined]],
    [{ kind: 3 }, ["kind", "enum", "1|2", undefined]],
    [{ either: true }, ["either", "type", "integer|string", undefined]],
    [{ nested: "x" }, ["nested", "type", "object", undefined]],
    [{ nested: {} }, ["nested.Key", "required", undefined, undefined]],
    [{ rows: [{ Key: "a" }, { Key: "b", Value: 1 }] }, ["rows[1].Value", "unknownField", undefined, undefined]],
  ] as const)("%j → %j", (body, expected) => {
    expect(issue(body)).toEqual([expected]);
  });

  it("accepts values within every rule", () => {
    expect(issue({ list: ["a"], count: 10, kind: 2, either: "s", anything: { deep: [null] }, nested: { Key: "k", extra: 1 }, rows: [{ Key: "a" }] })).toEqual([]);
    expect(issue({ either: 5 })).toEqual([]);
  });
});
