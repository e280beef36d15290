/** @module callbacks/reply — IM's answer envelope, shared by the checks and the dispatch. */

/** IM's envelope; a verdict is `OK` even when it refuses (as in IM's examples), a failed check `FAIL`. */
export const reply = (status: number, errorCode: number, info: string, actionStatus = errorCode === 0 ? "OK" : "FAIL") =>
  new Response(JSON.stringify({ ActionStatus: actionStatus, ErrorCode: errorCode, ErrorInfo: info }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
