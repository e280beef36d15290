/** @module api-error — IM's error codes as `TimApiError`s, with the spec's retry class and (lazily loaded) meaning. */
import type { OperationId } from "../generated/operations.js";
import { retryCodes } from "../generated/retry-codes.js";
import { TimApiError, type TimErrorDetails } from "./errors.js";
import { lazy } from "./internal/lazy.js";
import type { RetryClass } from "./retry-policy.js";

/** The spec's retry class of `code` for `operation`; `never` for codes it does not know. */
export function retryClassOf(operation: OperationId, code: number): RetryClass {
  const table: Record<string, readonly number[]> = retryCodes[operation];
  for (const retry in table) if (table[retry]!.includes(code)) return retry as RetryClass;
  return "never";
}

/** One row of generated/error-codes.ts. */
export interface ErrorCodeRow {
  readonly code: number;
  /** `x-enum-varnames` in the spec. */
  readonly name: string;
  /** The meaning as Tencent's docs state it. */
  readonly zh: string;
  /** An English rendering of the meaning. */
  readonly en: string;
  readonly retry: RetryClass;
  /** Whether it is one of the public REST codes (60000–79999). */
  readonly public: boolean;
  readonly operations: readonly OperationId[];
}

const meanings = lazy(() => import("../generated/error-codes.js").then((m) => m.errorCodeRows satisfies readonly ErrorCodeRow[]));

/** The spec's row for `code`, loading the meanings table on first use. */
async function errorCodeRow(operation: OperationId, code: number): Promise<ErrorCodeRow | undefined> {
  try {
    return (await meanings()).find((r) => r.code === code && r.operations.includes(operation));
  } catch {
    // A chunk that failed to load must not turn IM's answer into a loader error: the code without its meaning.
    return undefined;
  }
}

/** A TimApiError with the spec's meaning; the meanings table is loaded only when an error is reported. */
export async function apiError(operation: OperationId, code: number, info: string, details: TimErrorDetails): Promise<TimApiError> {
  const row = await errorCodeRow(operation, code);
  return new TimApiError(
    { code, info, retry: retryClassOf(operation, code), codeName: row?.name, meaning: row && { zh: row.zh, en: row.en } },
    { ...details, operation },
  );
}
