/**
 * @module callback-client — how the emulator calls the app's callback URL or handler, as IM does: a POST with
 * `SdkAppid`, `CallbackCommand`, `contenttype=json`, `ClientIP`, `OptPlatform=RESTAPI` and, with a token,
 * `RequestTime` and `Sign = sha256(token + RequestTime)`; 2 s to answer.
 */
import { signCallback } from "../callbacks/sign.js";

export interface CallbackTarget {
  sdkAppId: number;
  token: string | undefined;
  /** The app's handler (a `createCallbackHandler` result), or the URL IM would POST to. */
  handler?: (request: Request) => Promise<Response>;
  url?: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/**
 * The answer IM would act on: the parsed reply of a 200 JSON answer, or why there is none. Another status keeps the
 * reply's text (the token, should the app echo it, replaced by `[token]`); 401 and 403 are `refused`: the app took
 * the request for one that is not IM's.
 */
export type CallbackReply =
  | { ok: true; status: number; body: Record<string, unknown> }
  | { ok: false; status?: number; reason: "timeout" | "network" | "status" | "refused" | "body"; body?: string };

/** IM's callback and what came of it; never rejects (an after-callback is not awaited by anyone). */
export async function postCallback(target: CallbackTarget, command: string, body: Record<string, unknown>, nowSeconds: number): Promise<CallbackReply> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Timed out first, then aborted: the race reads "timeout", and a URL that never answers does not keep its socket.
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => (resolve("timeout"), controller.abort()), target.timeoutMs)));
  try {
    // Signed exactly as tim-topics/callbacks verifies: one implementation of IM's scheme.
    const signed = await signCallback({
      ...(target.token === undefined ? {} : { token: target.token }),
      sdkAppId: target.sdkAppId,
      command,
      body,
      time: nowSeconds,
      url: target.url ?? "http://callback.invalid/",
    });
    const request = new Request(signed, { signal: controller.signal });
    const answer = await Promise.race([target.handler ? target.handler(request) : target.fetch(request), timeout]);
    if (answer === "timeout") return { ok: false, reason: "timeout" };
    const text = await Promise.race([answer.text(), timeout]);
    if (text === "timeout") return { ok: false, reason: "timeout" };
    if (answer.status !== 200) {
      const body = target.token ? text.split(target.token).join("[token]") : text;
      return { ok: false, status: answer.status, reason: answer.status === 401 || answer.status === 403 ? "refused" : "status", body };
    }
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || typeof (parsed as { ErrorCode?: unknown }).ErrorCode !== "number") return { ok: false, status: 200, reason: "body" };
    return { ok: true, status: 200, body: parsed as Record<string, unknown> };
  } catch (error) {
    return { ok: false, reason: error instanceof SyntaxError ? "body" : "network" };
  } finally {
    clearTimeout(timer);
  }
}
