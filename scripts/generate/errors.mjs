/**
 * @module generate/errors — the error-code tables: one row per code and meaning (with its operations and retry class),
 * and the small per-operation retry-class table the client bundle carries.
 */
import { RETRY_CLASSES } from "../lib/retry-classes.mjs";
import { HEADER } from "./render.mjs";

export function errorCodeRows(spec, operationIds) {
  const rows = [];
  for (const [schemaName, schema] of Object.entries(spec.components.schemas)) {
    if (!schema["x-retryable"]) continue;
    const operationsOf = schema["x-operations"];
    if (!Array.isArray(operationsOf)) throw new Error(`${schemaName} needs x-operations`);
    for (const op of operationsOf) if (!operationIds.includes(op)) throw new Error(`${schemaName}.x-operations names ${op}, which is not an operation`);
    schema.enum.forEach((code, i) => {
      const row = {
        code,
        name: schema["x-enum-varnames"][i],
        zh: schema["x-enum-descriptions-zh"][i],
        en: schema["x-enum-descriptions"][i],
        retry: schema["x-retryable"][i],
        public: code >= 60000 && code <= 79999,
        operations: [...operationsOf],
      };
      // A code whose meaning is word for word the same in several operations is one row.
      const same = rows.find((r) => r.code === code && r.name === row.name && r.zh === row.zh && r.en === row.en && r.retry === row.retry);
      if (same) same.operations.push(...operationsOf.filter((o) => !same.operations.includes(o)));
      else rows.push(row);
    });
  }
  for (const op of operationIds) {
    if (!rows.some((r) => r.operations.includes(op))) throw new Error(`${op} has no error codes (no schema's x-operations names it)`);
  }
  for (const row of rows) {
    const clash = rows.find((r) => r !== row && r.code === row.code && r.retry !== row.retry && r.operations.some((o) => row.operations.includes(o)));
    if (clash) throw new Error(`${row.code} has two retry classes for ${clash.operations.filter((o) => row.operations.includes(o)).join(", ")}`);
  }
  return rows.sort((a, b) => a.code - b.code || a.operations[0].localeCompare(b.operations[0]));
}

export function renderErrorCodes(rows) {
  return `${HEADER}import type { OperationId } from "./operations.js";

/**
 * Every documented error code with its meaning; a code whose meaning differs by operation has one row per meaning.
 * Loaded lazily by the client (src/api-error.ts), when an error is reported.
 */
export const errorCodeRows: readonly {
  readonly code: number;
  readonly name: string;
  readonly zh: string;
  readonly en: string;
  readonly retry: ${[...RETRY_CLASSES].map((c) => JSON.stringify(c)).join(" | ")};
  readonly public: boolean;
  readonly operations: readonly OperationId[];
}[] = ${JSON.stringify(rows, null, 2)};
`;
}

/** The retry classes alone, inverted and per operation. */
export function retryCodes(rows, operationIds) {
  const out = {};
  for (const op of operationIds) out[op] = { transient: [], "rate-limit": [], resign: [] };
  for (const row of rows) {
    if (row.retry === "never") continue;
    for (const op of row.operations) out[op][row.retry].push(row.code);
  }
  return out;
}

export function renderRetryCodes(table) {
  return `${HEADER}
/**
 * The error codes the SDK may retry, per operation and retry class (\`x-retryable\` in the spec). Every other code is
 * \`never\` retried. Kept apart from error-codes.ts so the client bundle carries only this small table; the meanings
 * are loaded when an error is reported.
 */
export const retryCodes = ${JSON.stringify(table)} as const;
`;
}
