/**
 * @module read-back — the duplicate-ID policy of keyed operations (`x-duplicate-id-codes`, `x-read-back`): after an
 * attempt whose answer was lost, "this ID already exists" most likely means that attempt made it. The ID is read back
 * with the `x-read-back` operation, and it is ours only if every `match` field is equal; otherwise the conflict stands.
 */
import { requestRules } from "../../generated/request-rules.js";
import { TimAbortError, TimApiError, type TimError } from "../errors.js";
import type { OperationDescriptor, OperationId } from "../operations.js";
import { operationTable } from "../operations.js";
import { readPath } from "./shape.js";

/**
 * A keyed call with its key, answered "this ID already exists" (`x-duplicate-id-codes`) after an earlier attempt
 * that may have been applied: the lost answer most likely made the ID.
 */
export function isDuplicateAfterLostAnswer(descriptor: OperationDescriptor, error: TimError, idempotent: boolean, appliedEarlier: boolean): boolean {
  return (
    descriptor.readBack !== undefined &&
    idempotent &&
    appliedEarlier &&
    error instanceof TimApiError &&
    (descriptor.duplicateIdCodes ?? []).includes(error.code)
  );
}

/** Runs an operation without reporting it (the caller reports the call as a whole). */
export type Run = (operation: OperationId, body: Record<string, unknown>, deadlineMs: number | undefined) => Promise<Record<string, unknown>>;

/**
 * The ID read back, if it is the one this call made; `"other"` when it belongs to another topic (the conflict stands);
 * `{ unconfirmed }` with the read's error when the read failed (the call's own lost attempt may have made it). An
 * abort of the read is the caller's, and is thrown. `identifier` is the admin account, the view the read takes.
 */
export async function readBack(
  descriptor: OperationDescriptor,
  sent: Record<string, unknown>,
  identifier: string,
  remainingMs: number | undefined,
  run: Run,
): Promise<{ id: string; attempts: number } | "other" | { unconfirmed: unknown }> {
  const { operation, list, match } = descriptor.readBack!;
  const id = sent[descriptor.idempotencyKey!] as string;
  const target = operationTable[operation];
  const body: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(requestRules[operation].fields)) {
    if (field === list) body[field] = [id];
    // The read is the admin's: the write's From_Account (an imported topic's original creator) may be no member at all.
    else if (field === "From_Account") {
      if ("required" in rule) body[field] = identifier;
    } else if (sent[field] !== undefined) body[field] = sent[field];
  }
  let result: Record<string, unknown>;
  try {
    result = await run(operation, body, remainingMs);
  } catch (error) {
    if (error instanceof TimAbortError) throw error; // the caller gave up: say so
    return { unconfirmed: error };
  }
  const items = target.items!;
  const idKey = items.id[items.id.length - 1]!;
  const found = (result[items.as] as Record<string, unknown>[]).find((item) => {
    if (item.ok !== true || item[idKey] !== id) return false;
    const holder = readPath(item, items.id.slice(0, -1));
    return match.every((field) => readPath(holder, [field]) === sent[field]);
  });
  return found ? { id, attempts: (result.meta as { attempts: number }).attempts } : "other";
}
