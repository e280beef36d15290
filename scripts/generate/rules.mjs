/**
 * @module generate/rules — JSON Schema → the validation rules src/validate.ts enforces.
 *
 * Strict by design: a keyword is accepted only when validate.ts enforces it (or it is documentation). Anything else
 * throws "… is not enforced by src/validate.ts", so a new constraint in the spec can never be silently unchecked.
 */
import { deref } from "../lib/spec.mjs";

/** Keywords that document and constrain nothing. */
const DOCUMENTATION = new Set(["description", "example", "title", "x-doc-type", "x-known-values", "x-note"]);
/** Per type: the keywords validate.ts enforces. */
const ENFORCED = {
  string: new Set(["type", "minLength", "maxLength", "x-maxBytes", "pattern", "enum", "x-custom-topic-id"]),
  // `format: int64` is within what validate.ts enforces: a JSON number the SDK accepts is a safe integer.
  integer: new Set(["type", "minimum", "maximum", "enum", "format"]),
  array: new Set(["type", "items", "minItems", "maxItems"]),
  object: new Set(["type", "properties", "required", "additionalProperties"]),
};

function refuse(where, message) {
  throw new Error(`${where}: ${message} (is not enforced by src/validate.ts; enforce it there, then teach scripts/generate/rules.mjs)`);
}

function checkKeywords(schema, allowed, where) {
  for (const key of Object.keys(schema)) {
    if (!allowed.has(key) && !DOCUMENTATION.has(key)) refuse(where, `keyword \`${key}\``);
  }
}

/** The rule of one schema node at `where` (a field path, for messages). */
export function fieldRule(spec, node, where) {
  const schema = deref(spec, node);
  if (!schema || typeof schema !== "object") refuse(where, "a non-object schema");
  if (schema.type === undefined) {
    // Only an empty schema (documentation aside) may omit `type`: it admits any JSON value. `anyOf` of rules is a union.
    if (Array.isArray(schema.anyOf)) {
      checkKeywords(schema, new Set(["anyOf"]), where);
      return { type: "anyOf", anyOf: schema.anyOf.map((option, i) => fieldRule(spec, option, `${where}.anyOf[${i}]`)) };
    }
    checkKeywords(schema, new Set(), where);
    return { type: "any" };
  }
  const allowed = ENFORCED[schema.type];
  if (!allowed) refuse(where, `type \`${schema.type}\``);
  checkKeywords(schema, allowed, where);
  switch (schema.type) {
    case "string":
      return stringRule(schema, where);
    case "integer": {
      if (schema.format !== undefined && schema.format !== "int64" && schema.format !== "int32") refuse(where, `format \`${schema.format}\``);
      const rule = { type: "integer" };
      // int32 is a real bound; int64 is wider than any safe integer, which is what validate.ts accepts anyway.
      const minimum = schema.minimum ?? (schema.format === "int32" ? -(2 ** 31) : undefined);
      const maximum = schema.maximum ?? (schema.format === "int32" ? 2 ** 31 - 1 : undefined);
      if (minimum !== undefined) rule.minimum = minimum;
      if (maximum !== undefined) rule.maximum = maximum;
      if (schema.enum !== undefined) rule.enum = schema.enum;
      return rule;
    }
    case "array": {
      if (!schema.items) refuse(where, "an array without `items`");
      const rule = { type: "array", items: fieldRule(spec, schema.items, `${where}[]`) };
      if (schema.minItems !== undefined) rule.minItems = schema.minItems;
      if (schema.maxItems !== undefined) rule.maxItems = schema.maxItems;
      return rule;
    }
    default:
      return objectRule(spec, schema, where);
  }
}

function stringRule(schema, where) {
  const rule = { type: "string" };
  if (schema.minLength !== undefined) rule.minLength = schema.minLength;
  if (schema.maxLength !== undefined) rule.maxLength = schema.maxLength;
  if (schema["x-maxBytes"] !== undefined) rule.maxBytes = schema["x-maxBytes"];
  if (schema.pattern !== undefined) rule.pattern = schema.pattern;
  if (schema.enum !== undefined) rule.enum = schema.enum;
  const custom = schema["x-custom-topic-id"];
  if (custom) {
    const known = new Set(["prefixFrom", "separator", "charset", "forbiddenAfterGroupId"]);
    for (const key of Object.keys(custom)) if (!known.has(key)) refuse(where, `x-custom-topic-id.${key}`);
    // The charset is enforced by the field's `pattern`; only the one the pattern expresses is known.
    if (custom.charset !== "printable-ascii") refuse(where, `x-custom-topic-id charset ${custom.charset}`);
    if (!rule.pattern) refuse(where, "x-custom-topic-id without the `pattern` that enforces its charset");
    rule.customTopicId = { prefixFrom: custom.prefixFrom, separator: custom.separator, forbiddenAfterGroupId: custom.forbiddenAfterGroupId };
  }
  return rule;
}

/** An object schema: its fields (each flagged `required` as the schema says) and whether unknown ones are allowed. */
export function objectRule(spec, node, where) {
  const schema = deref(spec, node);
  if (schema.type !== "object") refuse(where, `a body of type \`${schema.type}\` (bodies are objects)`);
  checkKeywords(schema, ENFORCED.object, where);
  const required = new Set(schema.required ?? []);
  const fields = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    fields[name] = { ...(required.has(name) ? { required: true } : {}), ...fieldRule(spec, property, where ? `${where}.${name}` : name) };
  }
  for (const name of required) if (!(name in fields)) refuse(where, `required \`${name}\` without a property schema`);
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== "boolean") refuse(where, "a schema-valued `additionalProperties`");
  for (const [name, rule] of Object.entries(fields)) {
    const from = rule.customTopicId?.prefixFrom;
    if (from !== undefined && fields[from]?.type !== "string") refuse(`${where}.${name}`, `x-custom-topic-id.prefixFrom \`${from}\`, which is not a string field beside it`);
  }
  return { type: "object", additionalProperties: schema.additionalProperties !== false, fields };
}
