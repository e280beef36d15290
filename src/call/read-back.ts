/**
 * @module read-back — the duplicate-ID policy of keyed operations (`x-duplicate-id-codes`, `x-read-back`): after an
 * attempt whose answer was lost, "this ID already exists" most likely means that attempt made it. The ID is read back
 * with the `x-read-back` operation, and it is ours only if every `match` field is equal; otherwise the conflict stands.
 *
 * Loaded on first use (a lost answer followed by a duplicate code is rare), so it imports nothing at run time: the
 * read's descriptor and request fields come in `ReadBack`. A lazy module that imports modules of the client's
 * initial load makes a bundler split those into a shared chunk, a second file on the initial load.
 */
import type { OperationDescriptor, OperationId } from "../operations.js";

/** Runs an operation without reporting it (the caller reports the call as a whole). */
export type Run = (operation: OperationId, body: Record<string, unknown>, deadlineMs: number | undefined) => Promise<Record<string, unknown>>;

export interface ReadBack {
  /** The keyed write whose answer was lost, and the body it sent. */
  readonly descriptor: OperationDescriptor;
  readonly sent: Record<string, unknown>;
  /** The read (`x-read-back`'s operation): its descriptor and the fields of its request (the table and the rules of it). */
  readonly read: OperationDescriptor;
  readonly readFields: Readonly<Record<string, object>>;
  /** The admin account: the view the read takes. */
  readonly identifier: string;
  readonly remainingMs: number | undefined;
  readonly run: Run;
}

/**
 * The ID read back, if it is the one this call made; `"other"` when it belongs to another topic (the conflict stands);
 * `{ unconfirmed }` with the read's error when the read failed or was aborted (the call's own lost attempt may have
 * made it: the caller decides what an abort means to it).
 */
export async function readBack(input: ReadBack): Promise<{ id: string; attempts: number } | "other" | { unconfirmed: unknown }> {
  const { descriptor, sent, read } = input;
  const { operation, list, match } = descriptor.readBack!;
  const id = sent[descriptor.idempotencyKey!] as string;
  const body: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(input.readFields)) {
    if (field === list) body[field] = [id];
    // The read is the admin's: the write's From_Account (an imported topic's original creator) may be no member at all.
    else if (field === "From_Account") {
      if ("required" in rule) body[field] = input.identifier;
    } else if (sent[field] !== undefined) body[field] = sent[field];
  }
  let result: Record<string, unknown>;
  try {
    result = await input.run(operation, body, input.remainingMs);
  } catch (error) {
    return { unconfirmed: error };
  }
  const items = read.items!;
  const idKey = items.id[items.id.length - 1]!;
  const found = (result[items.as] as Record<string, unknown>[]).find((item) => {
    if (item.ok !== true || item[idKey] !== id) return false;
    // The shaped item keeps the item's fields under their names: the id's path without its last key is the holder.
    // (shape.ts's readPath walks the same way; this chunk keeps its own two lines so it imports nothing.)
    let holder: unknown = item;
    for (const key of items.id.slice(0, -1)) holder = (holder as Record<string, unknown> | undefined)?.[key];
    return match.every((field) => (holder as Record<string, unknown> | undefined)?.[field] === sent[field]);
  });
  return found ? { id, attempts: (result.meta as { attempts: number }).attempts } : "other";
}
