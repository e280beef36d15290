/**
 * @module shape — a successful answer turned into the call's result, as the operation's descriptor says: the picked
 * field (`x-result-pick`) and the per-item outcomes (`x-items`, `x-already-applied-codes`). The answer's shape is
 * checked where it is used: anything unusable is a `TimResponseError`, never a made-up value.
 */
import { apiError } from "../api-error.js";
import { TimResponseError, type TimErrorDetails } from "../errors.js";
import type { OperationDescriptor, OperationId } from "../operations.js";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at a dotted path of `record`, or undefined. */
export function readPath(record: unknown, path: readonly string[]): unknown {
  let node = record;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return node;
}

export interface Answer {
  readonly body: Record<string, unknown>;
  /** The start of the answer as IM sent it, redacted: what an error about it shows (a re-serialised body could be huge). */
  readonly snippet: () => string;
  readonly scrub: (text: string) => string;
  readonly appliedEarlier: boolean;
}

/** A string that can name a topic: not empty, not just blanks. */
const isId = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";

/**
 * The result's lifted parts of `answer`, in a fresh object the caller completes with `response` and `meta`: `{ [pick]: string }`
 * and `{ [items.as]: outcome[] }`. A promise only for per-item results (an item's error may load the code meanings);
 * a picked result is returned as is, sparing every create and import a promise.
 */
export function shapeResult(
  operation: OperationId,
  descriptor: OperationDescriptor,
  answer: Answer,
  sent: Record<string, unknown>,
  details: () => TimErrorDetails,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const { body } = answer;
  const unusable = (reason: string) => new TimResponseError(`IM answered ErrorCode ${String(body.ErrorCode)}, but ${reason}`, answer.snippet(), details());
  const lifted: Record<string, unknown> = {};
  const { pick, items } = descriptor;
  if (pick) {
    // A caller's own ID stands in when IM does not echo it; an answer that holds something else is not trusted.
    const answered = body[pick];
    const own = descriptor.idempotencyKey === pick ? sent[pick] : undefined;
    const value = answered === undefined ? own : answered;
    // IM's own answer wins over the key sent (it is what IM made; a mock answers its example): it is not made up.
    if (!isId(value)) throw unusable(`it carries no usable ${pick}`);
    lifted[pick] = value;
  }
  if (items) {
    const asked = items.request === undefined ? undefined : sent[items.request];
    // No list is an empty one, unless the request named items: then each was owed an answer.
    if (body[items.array] === undefined && Array.isArray(asked) && asked.length) throw unusable(`it carries no ${items.array} for the ${items.request} sent`);
    const list = body[items.array] ?? [];
    if (!Array.isArray(list)) throw unusable(`${items.array} is not an array`);
    const idKey = items.id[items.id.length - 1]!;
    return Promise.all(
      list.map(async (item: unknown, index) => {
        const where = `${items.array}[${index}]`;
        if (!isRecord(item)) throw unusable(`${where} is not an object`);
        const code = item.ErrorCode;
        if (!Number.isSafeInteger(code)) throw unusable(`${where}.ErrorCode is not an integer`);
        const id = readPath(item, items.id);
        const hasId = isId(id);
        if (code === 0) {
          if (!hasId) throw unusable(`${where} succeeded without ${items.id.join(".")}`);
          const outcome: Record<string, unknown> = { ok: true, [idKey]: id };
          for (const field of items.fields) if (item[field] !== undefined) outcome[field] = item[field];
          return outcome;
        }
        // "Already done" on a retry after an attempt that may have done it: that attempt did.
        if (hasId && answer.appliedEarlier && descriptor.alreadyAppliedCodes?.includes(code as number)) return { ok: true, [idKey]: id, alreadyApplied: true };
        // Per-item ErrorInfo is IM's text too: redacted like the call's own, since it may echo the request.
        const error = await apiError(operation, code as number, typeof item.ErrorInfo === "string" ? answer.scrub(item.ErrorInfo) : "", details());
        return hasId ? { ok: false, [idKey]: id, error } : { ok: false, error };
      }),
    ).then((outcomes) => {
      lifted[items.as] = outcomes;
      return lifted;
    });
  }
  return lifted;
}
