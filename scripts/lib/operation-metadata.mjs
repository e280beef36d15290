/**
 * @module operation-metadata — reads and checks an operation's `x-` metadata, the facts the generated operation table
 * is made of. One owner for the rules: the Redocly plugin (scripts/redocly-rules.mjs) reports the problems as lint
 * errors, and the generator refuses to run while there are any.
 *
 *   x-rate-limit-per-second: 200                 required; IM's documented limit for the API
 *   x-idempotency: safe | keyed | unsafe          required; may a repeat of the request do anything twice?
 *   x-idempotency-key: TopicId                    keyed only: a repeat is safe iff the body carries this field
 *   x-duplicate-id-codes: [10025]                 keyed only: "this ID already exists", after a lost answer resolved by
 *   x-read-back: { operation, list, match }         reading the ID back (`list` takes the ID; `match` must be equal)
 *   x-items: { array, id, as, fields?, request? } per-item results: the response array, the item's ID path, the result
 *                                                   property the outcomes go to, the item fields an outcome carries, and
 *                                                   the request array the items answer (sent non-empty, the answer must
 *                                                   carry the response array)
 *   x-already-applied-codes: [110003]             per-item codes that mean "an earlier attempt of this call did it"
 *   x-result-pick: TopicId                        a response string lifted onto the result
 */
import { deref } from "./spec.mjs";

export const OPERATION_EXTENSIONS = new Set([
  "x-rate-limit-per-second",
  "x-idempotency",
  "x-idempotency-key",
  "x-duplicate-id-codes",
  "x-read-back",
  "x-items",
  "x-already-applied-codes",
  "x-result-pick",
]);
const IDEMPOTENCY = ["safe", "keyed", "unsafe"];
/** Result properties the SDK itself sets; an items `as` must not shadow them. */
const RESERVED_RESULT_KEYS = new Set(["response", "meta"]);

/** The error codes documented for `operationId`: every enum of a schema whose `x-operations` names it. */
export function errorCodesOf(spec, operationId) {
  const codes = new Set();
  for (const schema of Object.values(spec.components?.schemas ?? {})) {
    if (Array.isArray(schema["x-operations"]) && schema["x-operations"].includes(operationId)) {
      for (const code of schema.enum ?? []) codes.add(code);
    }
  }
  return codes;
}

/** The properties of an object schema, flattening `allOf` (response schemas are envelope + operation fields). */
function propertiesOf(spec, schemaNode) {
  const schema = deref(spec, schemaNode);
  if (!schema || typeof schema !== "object") return {};
  const own = { ...(schema.properties ?? {}) };
  for (const part of schema.allOf ?? []) Object.assign(own, propertiesOf(spec, part));
  return own;
}

const isCodeList = (value) => Array.isArray(value) && value.length > 0 && value.every((code) => Number.isInteger(code));

/**
 * The operation's descriptor, as the generated table holds it, and every problem with its metadata
 * (`{ at: [...segments under the operation], message }`). A descriptor is only meaningful when there are no problems.
 */
export function readOperationMetadata(spec, entry, allEntries) {
  const { operation, operationId } = entry;
  const problems = [];
  const problem = (key, message) => problems.push({ at: [key], message: `${operationId}: ${message}` });
  const requestProps = entry.request?.schema ? propertiesOf(spec, entry.request.schema) : {};
  const responseProps = entry.response?.schema ? propertiesOf(spec, entry.response.schema) : {};
  const codes = errorCodesOf(spec, operationId);
  const byId = new Map(allEntries.map((e) => [e.operationId, e]));

  for (const key of Object.keys(operation)) {
    if (key.startsWith("x-") && !OPERATION_EXTENSIONS.has(key)) problem(key, `unknown operation extension \`${key}\` (known: ${[...OPERATION_EXTENSIONS].join(", ")})`);
  }

  const descriptor = { path: entry.path, method: entry.method };

  const rate = operation["x-rate-limit-per-second"];
  if (!Number.isSafeInteger(rate) || rate < 1) problem("x-rate-limit-per-second", "`x-rate-limit-per-second` must be a positive integer (IM's documented limit)");
  descriptor.rateLimitPerSecond = rate;

  const idempotency = operation["x-idempotency"];
  if (!IDEMPOTENCY.includes(idempotency)) problem("x-idempotency", `\`x-idempotency\` must be one of ${IDEMPOTENCY.join(", ")}`);
  descriptor.idempotency = idempotency;

  const key = operation["x-idempotency-key"];
  const duplicateIdCodes = operation["x-duplicate-id-codes"];
  const readBack = operation["x-read-back"];
  if (idempotency === "keyed") {
    if (typeof key !== "string" || deref(spec, requestProps[key] ?? {}).type !== "string") {
      problem("x-idempotency-key", "`x-idempotency-key` must name a string property of the request body");
    }
    descriptor.idempotencyKey = key;
    if (!isCodeList(duplicateIdCodes)) problem("x-duplicate-id-codes", "a keyed operation needs `x-duplicate-id-codes` (a non-empty list of error codes)");
    else for (const code of duplicateIdCodes) if (!codes.has(code)) problem("x-duplicate-id-codes", `\`x-duplicate-id-codes\` names ${code}, which is not one of its error codes`);
    descriptor.duplicateIdCodes = duplicateIdCodes;
    const target = readBack && byId.get(readBack.operation);
    if (!readBack || typeof readBack !== "object" || !target) {
      problem("x-read-back", "a keyed operation needs `x-read-back: { operation, list, match }` naming an operation of this spec");
    } else {
      if (!target.operation["x-items"]) problem("x-read-back", `\`x-read-back.operation\` ${readBack.operation} has no \`x-items\` to read the ID from`);
      const targetProps = target.request?.schema ? propertiesOf(spec, target.request.schema) : {};
      if (deref(spec, targetProps[readBack.list] ?? {}).type !== "array") problem("x-read-back", `\`x-read-back.list\` must name an array property of ${readBack.operation}'s request`);
      if (!Array.isArray(readBack.match) || readBack.match.some((field) => !(field in requestProps))) problem("x-read-back", "`x-read-back.match` must list request properties");
      descriptor.readBack = { operation: readBack.operation, list: readBack.list, match: readBack.match };
    }
  } else {
    for (const name of ["x-idempotency-key", "x-duplicate-id-codes", "x-read-back"]) {
      if (operation[name] !== undefined) problem(name, `\`${name}\` applies to keyed operations only (this one is ${idempotency})`);
    }
  }

  const items = operation["x-items"];
  if (items !== undefined) {
    const arraySchema = deref(spec, responseProps[items?.array] ?? {});
    const itemSchema = arraySchema.type === "array" ? deref(spec, arraySchema.items ?? {}) : undefined;
    if (!itemSchema) problem("x-items", "`x-items.array` must name an array property of the 200 response");
    const id = typeof items?.id === "string" ? items.id.split(".") : [];
    let node = itemSchema;
    for (const segment of id) node = node && deref(spec, propertiesOf(spec, node)[segment] ?? {});
    if (itemSchema && (id.length === 0 || node?.type !== "string")) problem("x-items", "`x-items.id` must be a dotted path to a string inside an item");
    if (typeof items?.as !== "string" || !/^[a-z][A-Za-z]*$/.test(items.as) || RESERVED_RESULT_KEYS.has(items.as)) {
      problem("x-items", "`x-items.as` must be a camelCase result property other than response and meta");
    }
    const fields = items?.fields ?? [];
    const itemProps = itemSchema ? propertiesOf(spec, itemSchema) : {};
    if (!Array.isArray(fields) || fields.some((f) => !(f in itemProps) || f === "ErrorCode" || f === "ErrorInfo")) {
      problem("x-items", "`x-items.fields` must list item properties other than ErrorCode and ErrorInfo");
    }
    if (itemSchema && (!("ErrorCode" in itemProps))) problem("x-items", "items need their own `ErrorCode`");
    if (items?.request !== undefined && deref(spec, requestProps[items.request] ?? {}).type !== "array") problem("x-items", "`x-items.request` must name an array property of the request body");
    for (const extra of Object.keys(items ?? {})) if (!["array", "id", "as", "fields", "request"].includes(extra)) problem("x-items", `unknown \`x-items\` key \`${extra}\``);
    descriptor.items = { array: items?.array, id, as: items?.as, fields, ...(items?.request === undefined ? {} : { request: items.request }) };
  }

  const alreadyApplied = operation["x-already-applied-codes"];
  if (alreadyApplied !== undefined) {
    if (!items) problem("x-already-applied-codes", "`x-already-applied-codes` are per-item codes: the operation needs `x-items`");
    if (!isCodeList(alreadyApplied)) problem("x-already-applied-codes", "`x-already-applied-codes` must be a non-empty list of error codes");
    else for (const code of alreadyApplied) if (!codes.has(code)) problem("x-already-applied-codes", `\`x-already-applied-codes\` names ${code}, which is not one of its error codes`);
    if (idempotency !== "safe") problem("x-already-applied-codes", "`x-already-applied-codes` needs `x-idempotency: safe` (the call is repeated as it is)");
    descriptor.alreadyAppliedCodes = alreadyApplied;
  }

  const pick = operation["x-result-pick"];
  if (pick !== undefined) {
    if (typeof pick !== "string" || deref(spec, responseProps[pick] ?? {}).type !== "string") problem("x-result-pick", "`x-result-pick` must name a string property of the 200 response");
    if (items && pick === items.as) problem("x-result-pick", "`x-result-pick` and `x-items.as` must differ");
    descriptor.pick = pick;
  }
  return { descriptor, problems };
}
