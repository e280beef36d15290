/**
 * @module operations — the generated operation table, typed, and the public shapes of a call derived from it: what
 * each operation takes (`RequestOf`), answers (`ResponseOf`) and resolves (`ResultOf`, `ItemOutcome`). Nothing here
 * names an operation: a new one in the spec gets its method, types and policies from its descriptor.
 */
import { operations, type OperationId, type OperationMethods } from "../generated/operations.js";
import type { components, operations as OperationTypes } from "../generated/schema.js";
import type { TimApiError } from "./errors.js";
import type { RequestEvent } from "./hooks.js";

export type { OperationId };

/** One operation's facts, read from its `x-` metadata in the spec (scripts/lib/operation-metadata.mjs checks them). */
export interface OperationDescriptor {
  readonly path: string;
  readonly method: string;
  readonly rateLimitPerSecond: number;
  /** `safe`: a repeat does nothing twice; `keyed`: safe iff the body carries `idempotencyKey`; `unsafe`: never repeated after a failure that may have been applied. */
  readonly idempotency: "safe" | "keyed" | "unsafe";
  readonly idempotencyKey?: string;
  /** "This ID already exists" codes, resolved by reading the ID back after an attempt that may have been applied. */
  readonly duplicateIdCodes?: readonly number[];
  readonly readBack?: { readonly operation: OperationId; readonly list: string; readonly match: readonly string[] };
  /** Per-item results: the response array, the path of an item's ID, the result property, the item fields carried over. */
  readonly items?: { readonly array: string; readonly id: readonly string[]; readonly as: string; readonly fields: readonly string[]; readonly request?: string };
  /** Per-item codes meaning "an earlier attempt of this call did it", when one may have been applied. */
  readonly alreadyAppliedCodes?: readonly number[];
  /** A response string lifted onto the result. */
  readonly pick?: string;
}

export const operationTable: { readonly [K in OperationId]: OperationDescriptor } = operations;

type Op<K extends OperationId> = (typeof operations)[K];
type Simplify<T> = { [P in keyof T]: T[P] } & {};

/** The request body of operation `K`, typed from the spec. */
export type RequestOf<K extends OperationId> = OperationTypes[K]["requestBody"]["content"]["application/json"];
/** The 200 response body of operation `K`, as IM sent it. */
export type ResponseOf<K extends OperationId> = OperationTypes[K]["responses"][200]["content"]["application/json"];

type Item<K extends OperationId> = Op<K> extends { readonly items: { readonly array: infer A extends string } }
  ? NonNullable<ResponseOf<K>[A & keyof ResponseOf<K>]> extends readonly (infer I)[] ? I : never
  : never;
type IdKey<K extends OperationId> = Op<K> extends { readonly items: { readonly id: readonly [...string[], infer L extends string] } } ? L : never;
type IdHead<K extends OperationId> = Op<K> extends { readonly items: { readonly id: readonly [infer H extends string, ...string[]] } } ? H : never;
type Fields<K extends OperationId> = Op<K> extends { readonly items: { readonly fields: readonly (infer F extends string)[] } } ? F & keyof Item<K> : never;
type AlreadyApplied<K extends OperationId> = Op<K> extends { readonly alreadyAppliedCodes: readonly number[] }
  ? {
      /** Set when IM answered this item "already done" on a retry after an attempt that may have done it (the answer was lost). */
      alreadyApplied?: true;
    }
  : unknown;

/** One item of a per-item result that succeeded: its ID, and the item's fields the spec names (`x-items.fields`). */
export type ItemSuccess<K extends OperationId> = Simplify<
  { ok: true } & { [P in IdKey<K>]: string } & Pick<Item<K>, Fields<K>> & Required<Pick<Item<K>, IdHead<K> & Fields<K>>> & AlreadyApplied<K>
>;
/** One item that failed on its own (the call itself succeeded). */
export type ItemFailure<K extends OperationId> = Simplify<{ ok: false; error: TimApiError } & { [P in IdKey<K>]?: string }>;
/** One item of a per-item result (`x-items`): check `ok` on each. */
export type ItemOutcome<K extends OperationId> = ItemSuccess<K> | ItemFailure<K>;

/** Per-call options; they override the client's for this call, and are checked like the client's. */
export interface CallOptions {
  /** Cancels the call at once, including during backoff; the call then rejects with `TimAbortError`. */
  signal?: AbortSignal;
  /** Per-attempt timeout, in ms (and the bound on waiting for a `userSig` function). */
  timeoutMs?: number;
  /** Budget for the whole call, retries and backoff included, in ms. */
  deadlineMs?: number;
  /** Retries after the first attempt, 0–10. */
  maxRetries?: number;
  /** Extra request headers (e.g. `Prefer: example=error10010` for a Prism mock). */
  headers?: Record<string, string>;
  /** Called as each attempt of this call is sent (after the client's own `onRequest`). */
  onRequest?: (event: RequestEvent) => void;
}

/** How a call went. */
export interface CallMeta {
  operation: OperationId;
  /** Attempts made, 1 when nothing was retried (a read-back's attempts included). */
  attempts: number;
  durationMs: number;
  /** The `random` query value, the same on every attempt of the call. */
  random: number;
  /** The URL of the last attempt, usersig redacted. */
  url: string;
  /** Set when a retried call answered "ID already used" and the ID was read back instead (keyed operations). */
  readBack?: true;
}

type Picked<K extends OperationId> = Op<K> extends { readonly pick: infer P extends string } ? { [F in P]: string } : unknown;
type Itemised<K extends OperationId> = Op<K> extends { readonly items: { readonly as: infer A extends string } } ? { [F in A]: ItemOutcome<K>[] } : unknown;

/** What a call of operation `K` resolves: IM's body as received, how the call went, and what the descriptor lifts out. */
export type ResultOf<K extends OperationId> = Simplify<{ response: ResponseOf<K>; meta: CallMeta } & Picked<K> & Itemised<K>>;

/** A client method: one operation's body and options in, its result out. */
export type OperationMethod<K extends OperationId> = (body: RequestOf<K>, options?: CallOptions | null) => Promise<ResultOf<K>>;

/** The client: one method per operation of the spec, named by its operationId. */
export type TimClient = OperationMethods<{ readonly [K in OperationId]: OperationMethod<K> }>;

type Schemas = components["schemas"];
export type TopicInfo = Schemas["TopicInfo"];
export type SelfInfo = Schemas["SelfInfo"];
