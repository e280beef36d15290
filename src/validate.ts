/**
 * @module validate — checks a body against rules generated from the spec (generated/request-rules.ts), before the
 * network. Every keyword the generator emits is enforced here; the generator refuses any other (scripts/generate/rules.mjs).
 */
import { requestRules } from "../generated/request-rules.js";
import type { OperationId } from "../generated/operations.js";
import { TimValidationError, type ValidationIssue } from "./errors.js";
import { codePointLength, utf8ByteLength } from "./internal/utf8.js";

export interface StringRule {
  readonly type: "string";
  readonly required?: boolean;
  readonly minLength?: number;
  /** JSON Schema `maxLength`: a count of code points. */
  readonly maxLength?: number;
  /** `x-maxBytes`: a count of UTF-8 bytes. */
  readonly maxBytes?: number;
  readonly pattern?: RegExp;
  readonly enum?: readonly string[];
  /** `x-custom-topic-id`: the custom TopicId rules that refer to a sibling field. */
  readonly customTopicId?: {
    readonly prefixFrom: string;
    readonly separator: string;
    /** Substrings that must not occur after the GroupId (in separator + custom part). */
    readonly forbiddenAfterGroupId: readonly string[];
  };
}
export interface IntegerRule {
  readonly type: "integer";
  readonly required?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly number[];
}
export interface ArrayRule {
  readonly type: "array";
  readonly required?: boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items: FieldRule;
}
export interface ObjectRule {
  readonly type: "object";
  readonly required?: boolean;
  /** Whether the schema admits properties it does not name. */
  readonly additionalProperties: boolean;
  readonly fields: { readonly [name: string]: FieldRule };
}
/** A schema without `type`: any JSON value. */
export interface AnyRule {
  readonly type: "any";
  readonly required?: boolean;
}
/** `anyOf`: the value must satisfy one of the rules. */
export interface AnyOfRule {
  readonly type: "anyOf";
  readonly required?: boolean;
  readonly anyOf: readonly FieldRule[];
}
export type FieldRule = StringRule | IntegerRule | ArrayRule | ObjectRule | AnyRule | AnyOfRule;

// The generated rules must be rules this module enforces.
void (requestRules satisfies { readonly [K in OperationId]: ObjectRule });

type Report = (field: string, rule: string, message: string, limit?: number | string, actual?: number) => void;

/**
 * Every problem of `body` against `rules` (an empty list when it is valid): one per field, the first rule that field
 * breaks, in the rules' field order after unknown fields. For callers that report rather than throw (a form, a
 * callback handler).
 */
export function checkBody(rules: ObjectRule, body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report: Report = (field, rule, message, limit, actual) => {
    issues.push({ field, rule, message, ...(limit === undefined ? {} : { limit }), ...(actual === undefined ? {} : { actual }) });
  };
  if (typeof body !== "object" || body === null || Array.isArray(body)) report("(body)", "type", "the body must be an object", "object");
  else checkObject("", body as Record<string, unknown>, rules, report);
  return issues;
}

/** Every problem of `body` against the spec's request schema of `operation` (empty when valid): a form's list, no throw. */
export function checkRequest(operation: OperationId, body: unknown): ValidationIssue[] {
  return checkBody(requestRules[operation], body);
}

/** Throws `TimValidationError` (with every issue) if `body` would break the spec's request schema of `operation`. */
export function validateRequest(operation: OperationId, body: unknown): void {
  const issues = checkRequest(operation, body);
  if (issues.length) throw new TimValidationError(operation, issues);
}

function checkObject(prefix: string, record: Record<string, unknown>, rules: ObjectRule, report: Report): void {
  const { fields } = rules;
  if (!rules.additionalProperties) {
    for (const name in record) {
      // `undefined` values are dropped by JSON.stringify, so they count as absent.
      if (!Object.hasOwn(fields, name) && record[name] !== undefined) report(prefix + name, "unknownField", `${prefix + name} is not a known field`);
    }
  }
  for (const name in fields) {
    const rule = fields[name]!;
    const path = prefix + name;
    const value = record[name];
    if (value === undefined) {
      if (rule.required) report(path, "required", `${path} is required`);
      continue;
    }
    if (checkValue(path, value, rule, report) && rule.type === "string" && rule.customTopicId) {
      checkCustomTopicId(path, value as string, rule.customTopicId, record, report);
    }
  }
}

function checkCustomTopicId(path: string, text: string, rule: NonNullable<StringRule["customTopicId"]>, record: Record<string, unknown>, report: Report): void {
  const { prefixFrom, separator, forbiddenAfterGroupId } = rule;
  const groupId = String(record[prefixFrom]);
  const prefix = `${groupId}${separator}`;
  if (!text.startsWith(prefix) || text.length === prefix.length) {
    return report(path, "topicIdPrefix", `${path} must be ${prefixFrom} + "${separator}" + a custom part`, prefix);
  }
  // Checked on separator + custom part, so a custom part cannot forge the IM-assigned "@TOPIC#_@TOPIC#" form.
  const afterGroupId = text.slice(groupId.length);
  for (const forbidden of forbiddenAfterGroupId) {
    if (afterGroupId.includes(forbidden)) return report(path, "topicIdForbidden", `${path} must not contain "${forbidden}" after the ${prefixFrom}`, forbidden);
  }
}

/** Whether the value passes; reports at most one problem for the value itself (items and nested fields report their own). */
function checkValue(path: string, value: unknown, rule: FieldRule, report: Report): boolean {
  switch (rule.type) {
    case "any":
      return true;
    case "anyOf": {
      if (rule.anyOf.some((option) => checkValue(path, value, option, () => {}))) return true;
      const types = rule.anyOf.map((o) => o.type);
      return failed(report(path, "type", `${path} must be ${types.join(" or ")}`, types.join("|")));
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return failed(report(path, "type", `${path} must be an object`, "object"));
      let ok = true;
      checkObject(`${path}.`, value as Record<string, unknown>, rule, (...args) => ((ok = false), report(...args)));
      return ok;
    }
    case "array": {
      if (!Array.isArray(value)) return failed(report(path, "type", `${path} must be an array`, "array"));
      if (rule.minItems !== undefined && value.length < rule.minItems) {
        return failed(report(path, "minItems", `${path} has ${value.length} items; the minimum is ${rule.minItems}`, rule.minItems, value.length));
      }
      if (rule.maxItems !== undefined && value.length > rule.maxItems) {
        return failed(report(path, "maxItems", `${path} has ${value.length} items; the limit is ${rule.maxItems}`, rule.maxItems, value.length));
      }
      let ok = true;
      for (let index = 0; index < value.length; index++) ok = checkValue(`${path}[${index}]`, value[index], rule.items, report) && ok;
      return ok;
    }
    case "integer": {
      const n = value as number;
      if (!Number.isSafeInteger(value)) return failed(report(path, "type", `${path} must be an integer`, "integer"));
      if (rule.minimum !== undefined && n < rule.minimum) return failed(report(path, "minimum", `${path} must be at least ${rule.minimum}`, rule.minimum, n));
      if (rule.maximum !== undefined && n > rule.maximum) return failed(report(path, "maximum", `${path} must be at most ${rule.maximum}`, rule.maximum, n));
      if (rule.enum && !rule.enum.includes(n)) return failed(report(path, "enum", `${path} must be one of ${rule.enum.join(", ")}`, rule.enum.join("|")));
      return true;
    }
    default:
      return checkString(path, value, rule, report);
  }
}

/** `false`, after the report it follows. */
const failed = (_reported: void): false => false;

function checkString(path: string, value: unknown, rule: StringRule, report: Report): boolean {
  if (typeof value !== "string") return failed(report(path, "type", `${path} must be a string`, "string"));
  // Every string, limited or not: a lone surrogate has no UTF-8 form, so IM could not store what was sent.
  const bytes = utf8ByteLength(value);
  if (bytes === undefined) return failed(report(path, "loneSurrogate", `${path} contains a lone surrogate, which is not valid UTF-8`));
  if (rule.maxBytes !== undefined && bytes > rule.maxBytes) {
    return failed(report(path, "maxBytes", `${path} is ${bytes} UTF-8 bytes; the limit is ${rule.maxBytes}`, rule.maxBytes, bytes));
  }
  if (rule.minLength !== undefined || rule.maxLength !== undefined) {
    const length = codePointLength(value);
    if (rule.minLength !== undefined && length < rule.minLength) {
      return failed(report(path, "minLength", `${path} is ${length} characters; the minimum is ${rule.minLength}`, rule.minLength, length));
    }
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      return failed(report(path, "maxLength", `${path} is ${length} characters; the limit is ${rule.maxLength}`, rule.maxLength, length));
    }
  }
  if (rule.pattern && !rule.pattern.test(value)) return failed(report(path, "pattern", `${path} must match ${rule.pattern}`, String(rule.pattern)));
  if (rule.enum && !rule.enum.includes(value)) return failed(report(path, "enum", `${path} must be one of ${rule.enum.join(", ")}`, rule.enum.join("|")));
  return true;
}
