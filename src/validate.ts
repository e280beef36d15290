/** @module validate — checks a request body against the spec's rules (generated/request-rules.ts) before the network. */
import { requestRules, type FieldRule, type OperationId } from "../generated/request-rules.js";
import { TimValidationError } from "./errors.js";
import { codePointLength, utf8ByteLength } from "./internal/utf8.js";

type Fail = (message: string, rule: string, limit?: number | string, actual?: number) => never;

/**
 * Throws `TimValidationError` naming the field, the rule, its limit and the value's size, if `body` would break the
 * spec's request schema for `operation` or the custom TopicId rules. Returns nothing on success.
 */
export function validateRequest(operation: OperationId, body: unknown): void {
  const rules = requestRules[operation];
  const failer =
    (field: string): Fail =>
    (message, rule, limit, actual) => {
      throw new TimValidationError(message, { operation, field, rule, limit, actual });
    };
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    failer("(body)")("the request body must be an object", "type", "object");
  }
  const record = body as Record<string, unknown>;
  const fields: Readonly<Record<string, FieldRule>> = rules.fields;
  for (const name of Object.keys(record)) {
    // `undefined` values are dropped by JSON.stringify, so they count as absent.
    if (!(name in fields) && record[name] !== undefined && !rules.additionalProperties) {
      failer(name)(`${name} is not a field of ${operation}`, "unknownField");
    }
  }
  for (const [name, rule] of Object.entries(fields)) {
    const value = record[name];
    if (value === undefined) {
      if (rule.required) failer(name)(`${name} is required`, "required");
      continue;
    }
    checkField(name, value, rule, failer);
    if (rule.type === "string" && rule.customTopicId) {
      const { prefixFrom, separator, forbiddenAfterGroupId } = rule.customTopicId;
      const groupId = String(record[prefixFrom]);
      const prefix = `${groupId}${separator}`;
      const fail: Fail = failer(name);
      const text = value as string;
      if (!text.startsWith(prefix) || text.length === prefix.length) {
        fail(`${name} must be ${prefixFrom} + "${separator}" + a custom part`, "topicIdPrefix", prefix);
      }
      // Checked on separator + custom part, so a custom part cannot forge the IM-assigned "@TOPIC#_@TOPIC#" form.
      const afterGroupId = text.slice(groupId.length);
      for (const forbidden of forbiddenAfterGroupId) {
        if (afterGroupId.includes(forbidden)) fail(`${name} must not contain "${forbidden}" after the GroupId`, "topicIdForbidden", forbidden);
      }
    }
  }
}

function checkField(path: string, value: unknown, rule: FieldRule, failer: (field: string) => Fail): void {
  const fail: Fail = failer(path);
  if (rule.type === "array") {
    if (!Array.isArray(value)) return fail(`${path} must be an array`, "type", "array");
    value.forEach((item, index) => checkField(`${path}[${index}]`, item, rule.items, failer));
    return;
  }
  if (rule.type === "integer") {
    if (!Number.isInteger(value)) fail(`${path} must be an integer`, "type", "integer");
    return;
  }
  if (typeof value !== "string") return fail(`${path} must be a string`, "type", "string");
  // Every string, limited or not: a lone surrogate has no UTF-8 form, so IM could not store what was sent.
  const bytes = utf8ByteLength(value);
  if (bytes === undefined) fail(`${path} contains a lone surrogate, which is not valid UTF-8`, "loneSurrogate");
  if (rule.maxBytes !== undefined && bytes > rule.maxBytes) {
    fail(`${path} is ${bytes} UTF-8 bytes; the limit is ${rule.maxBytes}`, "maxBytes", rule.maxBytes, bytes);
  }
  if (rule.minLength !== undefined || rule.maxLength !== undefined) {
    const length = codePointLength(value);
    if (rule.minLength !== undefined && length < rule.minLength) {
      fail(`${path} is ${length} characters; the minimum is ${rule.minLength}`, "minLength", rule.minLength, length);
    }
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      fail(`${path} is ${length} characters; the limit is ${rule.maxLength}`, "maxLength", rule.maxLength, length);
    }
  }
  if (rule.pattern && !rule.pattern.test(value)) fail(`${path} must match ${rule.pattern}`, "pattern", String(rule.pattern));
  if (rule.enum && !rule.enum.includes(value)) fail(`${path} must be one of ${rule.enum.join(", ")}`, "enum", rule.enum.join("|"));
}
