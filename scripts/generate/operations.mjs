/**
 * @module generate/operations — the operation table: one descriptor per operation, read from its `x-` metadata
 * (scripts/lib/operation-metadata.mjs checks it), plus `OperationMethods`, which carries each operation's summary as
 * the doc comment of its client method.
 */
import { readOperationMetadata } from "../lib/operation-metadata.mjs";
import { HEADER, jsdoc, literal } from "./render.mjs";

export function operationTable(spec, entries) {
  const table = {};
  const problems = [];
  for (const entry of entries) {
    const { descriptor, problems: found } = readOperationMetadata(spec, entry, entries);
    problems.push(...found.map((p) => p.message));
    table[entry.operationId] = descriptor;
  }
  if (problems.length) throw new Error(`Operation metadata is inconsistent (npm run lint shows where):\n  ${problems.join("\n  ")}`);
  return table;
}

export function renderOperations(table, entries) {
  const methods = entries.map(({ operationId, path, operation }) => {
    const d = table[operationId];
    const lines = [
      operation.summary ?? operationId,
      "",
      `\`POST ${path}\`, at most ${d.rateLimitPerSecond} calls/s. ${idempotencyNote(d)}`,
    ];
    return `${jsdoc(lines, "  ")}\n  readonly ${operationId}: T[${JSON.stringify(operationId)}];`;
  });
  return `${HEADER}
/**
 * One descriptor per operation (the spec's per-operation \`x-\` metadata): where it is sent, its rate limit, whether a
 * repeat is safe, its per-item results and the policies that apply to it. src/operations.ts gives it its type.
 */
export const operations = ${literal(table)} as const;

export type OperationId = keyof typeof operations;
/** Every operation, in the spec's order. */
export const operationIds = ${JSON.stringify(Object.keys(table))} as const satisfies readonly OperationId[];

/** The client's methods, one per operation, with the spec's summary as their documentation; \`T\` gives each signature. */
export interface OperationMethods<T extends { readonly [K in OperationId]: unknown }> {
${methods.join("\n")}
}
`;
}

function idempotencyNote(d) {
  if (d.idempotency === "safe") return "Safe to repeat: retried on any retryable failure.";
  if (d.idempotency === "keyed") return `Safe to repeat only with \`${d.idempotencyKey}\`: without it, never repeated after a failure that may have been applied.`;
  return "Never repeated after a failure that may have been applied.";
}
