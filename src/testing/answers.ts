/** @module answers — IM's way of answering: HTTP 200, JSON, `ActionStatus`/`ErrorCode`/`ErrorInfo`. */
import type { errorCodeRows } from "../../generated/error-codes.js";
import type { OperationId } from "../../generated/operations.js";

let rows: typeof errorCodeRows | undefined;
let loading: Promise<unknown> | undefined;
/**
 * Loads the spec's error codes and meanings (IM's ErrorInfo texts) once, as the client does: more than half of the
 * entry's weight, needed only once a call is answered (the emulator awaits it first). A failed load is tried again.
 */
export const loadMeanings = () =>
  (loading ??= import("../../generated/error-codes.js").then(
    (module) => (rows = module.errorCodeRows),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  ));

/** A failure IM reports in the body: a code, and the text IM would send with it. */
export class ImFailure {
  constructor(
    readonly code: number,
    readonly info: string,
  ) {}
}

/**
 * `ImFailure` for `code`, with the spec's Chinese meaning of it for `operation` (what IM's ErrorInfo usually quotes)
 * and a detail. A code the spec does not document for `operation` (public codes go with every operation, and alone
 * without one) throws: that would be a bug in the emulator, so every code it answers is held to the spec.
 */
export function failure(operation: OperationId | undefined, code: number, detail?: string): ImFailure {
  const meaning = meaningOf(operation, code);
  if (meaning === undefined) throw new Error(`tim-topics/testing: the spec documents no ${code} for ${operation}`);
  return new ImFailure(code, detail ? `${meaning}: ${detail}` : meaning);
}

/** The spec's meaning of `code` for `operation`, if the spec documents it there (after `loadMeanings()`). */
export const meaningOf = (operation: OperationId | undefined, code: number): string | undefined =>
  rows!.find((row) => row.code === code && (row.public || row.operations.includes(operation!)))?.zh;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

export const ok = (fields: Record<string, unknown> = {}) => json({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", ...fields });
export const fail = ({ code, info }: ImFailure, status?: number) => json({ ActionStatus: "FAIL", ErrorCode: code, ErrorInfo: info }, status);
