/**
 * @module sign — IM's callback authentication (回调鉴权): `Sign = hex(SHA-256(token + RequestTime))`, plain SHA-256
 * over the token and the `RequestTime` value exactly as sent (not HMAC, no separator), on WebCrypto.
 */
import type { CallbackCommand, CallbackQueryName } from "../../generated/callbacks.js";

const encoder = /* @__PURE__ */ new TextEncoder();

/** The `Sign` IM sends with `RequestTime` (a decimal string of Unix seconds, hashed as it is). */
export async function callbackSign(token: string, requestTime: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token + requestTime)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Whether two strings are equal, in time that depends on their length only (the caller brings both to one case). */
export function sameSign(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface SignCallbackOptions {
  /** The callback token; without it the request carries no `Sign`/`RequestTime` (authentication off). */
  token?: string;
  sdkAppId: number;
  command: CallbackCommand | (string & {});
  /** The body; its `CallbackCommand` is set to `command`. */
  body: Record<string, unknown>;
  /** The signing time, Unix seconds. @default now */
  time?: number;
  /** The app's callback URL. @default "https://app.example/im-callback" */
  url?: string;
  /** @default "127.0.0.1" */
  clientIP?: string;
  /** @default "RESTAPI" */
  optPlatform?: string;
}

/** A callback as IM sends it, signed: for the app's own tests (and the local emulator). */
export async function signCallback(options: SignCallbackOptions): Promise<Request> {
  const url = new URL(options.url ?? "https://app.example/im-callback");
  const set = (name: CallbackQueryName, value: string) => url.searchParams.set(name, value);
  set("SdkAppid", String(options.sdkAppId));
  set("CallbackCommand", options.command);
  set("contenttype", "json");
  set("ClientIP", options.clientIP ?? "127.0.0.1");
  set("OptPlatform", options.optPlatform ?? "RESTAPI");
  if (options.token !== undefined) {
    const time = String(options.time ?? Math.floor(Date.now() / 1000));
    set("Sign", await callbackSign(options.token, time));
    set("RequestTime", time);
  }
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...options.body, CallbackCommand: options.command }),
  });
}
