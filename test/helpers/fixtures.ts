/**
 * Shared test values. The secret is Tencent's published sample key (tencent-im.md §1.3): not a real secret, but every
 * suite treats it as one. Operation facts come from the spec (through scripts/lib/spec.mjs), never typed again here.
 */
import { exampleValues, listOperations, loadSpec, type OperationEntry } from "../../scripts/lib/spec.mjs";
import { operationIds, type OperationId } from "../../generated/operations.js";

export const SECRET = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
export const SDK_APP_ID = 1400000000;
export const ADMIN = "administrator";

export const spec = loadSpec();
const entries = new Map(listOperations(spec).map((e) => [e.operationId, e]));

/** The spec's entry of an operation (path, bodies, named examples). */
export function entryOf(operation: OperationId): OperationEntry {
  const entry = entries.get(operation);
  if (!entry) throw new Error(`no operation ${operation} in the spec`);
  return entry;
}

/** The named request examples of an operation. */
export const requestExamples = (operation: OperationId): Record<string, Record<string, unknown>> => exampleValues(entryOf(operation), "request");
/** The named 200 response examples of an operation. */
export const responseExamples = (operation: OperationId): Record<string, Record<string, any>> => exampleValues(entryOf(operation), "response");

/** An operation's `basic` request example: the body every table-driven suite starts from. */
export function basicBody(operation: OperationId): Record<string, unknown> {
  const basic = requestExamples(operation).basic;
  if (!basic) throw new Error(`${operation} has no \`basic\` request example`);
  return structuredClone(basic);
}

/** The Community group of create_topic's basic example, which the other examples share. */
export const GROUP = basicBody("createTopic").GroupId as string;

export { operationIds };
