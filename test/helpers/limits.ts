/** Every UTF-8 byte-limited request field of every operation, read from the generated rules (top level and array items). */
import { operationIds, type OperationId } from "../../generated/operations.js";
import { requestRules } from "../../generated/request-rules.js";
import type { FieldRule, StringRule } from "../../src/validate.js";

export interface LimitedField {
  operation: OperationId;
  /** `Field`, or `Field[]` for each item of an array field. */
  path: string;
  name: string;
  isItem: boolean;
  rule: StringRule;
  maxBytes: number;
}

export const limitedFields: LimitedField[] = operationIds.flatMap((operation) =>
  Object.entries(requestRules[operation].fields as Record<string, FieldRule>).flatMap(([name, field]): LimitedField[] => {
    const isItem = field.type === "array";
    const rule = field.type === "array" ? field.items : field;
    if (rule.type !== "string" || rule.maxBytes === undefined) return [];
    return [{ operation, path: isItem ? `${name}[]` : name, name, isItem, rule, maxBytes: rule.maxBytes }];
  }),
);
