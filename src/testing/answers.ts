/** @module answers — IM's way of answering: HTTP 200, JSON, `ActionStatus`/`ErrorCode`/`ErrorInfo`. */
import { errorCodeRows } from "../../generated/error-codes.js";
import type { OperationId } from "../../generated/operations.js";

/** A failure IM reports in the body: a code, and the text IM would send with it. */
export class ImFailure {
  constructor(
    readonly code: number,
    readonly info: string,
  ) {}
}

/** `ImFailure` for `code`, with the spec's Chinese meaning for `operation` (what IM's ErrorInfo usually quotes), and a detail. */
export function failure(operation: OperationId | undefined, code: number, detail?: string): ImFailure {
  const row = errorCodeRows.find((r) => r.code === code && (operation === undefined || r.operations.includes(operation))) ?? errorCodeRows.find((r) => r.code === code);
  const meaning = row?.zh ?? `error ${code}`;
  return new ImFailure(code, detail ? `${meaning}: ${detail}` : meaning);
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

export const ok = (fields: Record<string, unknown> = {}) => json({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", ...fields });
export const fail = ({ code, info }: ImFailure) => json({ ActionStatus: "FAIL", ErrorCode: code, ErrorInfo: info });
