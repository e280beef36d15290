/** validateRequest: each rule of the generated request rules refuses with a TimValidationError that names it. */
import { describe, expect, it } from "vitest";
import { TimValidationError, validateRequest } from "../src/index.js";
import { requestRules, type OperationId, type StringFieldRule } from "../generated/request-rules.js";

const GROUP = "@TGS#_@TGS#cQVLVHIM62CJ";
const validCreate = { GroupId: GROUP, TopicName: "TestTopic" };
const validGet = { GroupId: GROUP, From_Account: "user_1" };
const stringRule = (operation: OperationId, field: string) =>
  (requestRules[operation].fields as Record<string, StringFieldRule>)[field]!;

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
  it("accepts the minimal bodies", () => {
    expect(() => validateRequest("createTopic", validCreate)).not.toThrow();
    expect(() => validateRequest("getTopic", validGet)).not.toThrow();
  });

  it.each([
    ["createTopic", "GroupId"],
    ["createTopic", "TopicName"],
    ["getTopic", "GroupId"],
    ["getTopic", "From_Account"],
  ] as const)("%s requires %s", (operation, field) => {
    const body: Record<string, unknown> = { ...(operation === "createTopic" ? validCreate : validGet) };
    delete body[field];
    const error = refusal(operation, body);
    expect(error).toMatchObject({ field, rule: "required", operation });
    expect(error.message).toContain(field);
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
