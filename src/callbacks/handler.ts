/**
 * @module handler — `createCallbackHandler`: a web handler (`Request` → `Response`) for IM's topic callbacks. It
 * verifies a request is IM's (the app's SdkAppid; `Sign` over the token and `RequestTime`, within a window), checks
 * the body against the spec's rules, dispatches by command to the app's handler with the typed body, and answers in
 * IM's envelope, in time. Nothing runs for a request that fails a check, and the token is never echoed.
 */
import { callbackQuery, callbacks, type CallbackCommand, type CallbackQueryName } from "../../generated/callbacks.js";
import type { components } from "../../generated/schema.js";
import { assertInteger, assertOption } from "../internal/assert.js";
import { reply } from "./reply.js";
import { callbackSign, sameSign } from "./sign.js";

type Schemas = components["schemas"];
type Table = typeof callbacks;
/** The handler name of each command (`Group.CallbackBeforeCreateTopic` → `beforeCreateTopic`). */
type HandlerName = Table[CallbackCommand]["handler"];
type CommandOf<H extends HandlerName> = { [C in CallbackCommand]: Table[C]["handler"] extends H ? C : never }[CallbackCommand];
/** The typed body of the callback a handler answers. */
export type CallbackBody<H extends HandlerName> = Schemas[Table[CommandOf<H>]["body"]];

/** What the request said besides its body. */
export interface CallbackContext {
  command: CallbackCommand;
  sdkAppId: number;
  /** `ClientIP` of the query, if sent. */
  clientIP: string | undefined;
  /** `OptPlatform` (RESTAPI, Web, Android, iOS, …), if sent. */
  optPlatform: string | undefined;
  /** `RequestTime` (Unix seconds), when the request was signed. */
  requestTime: number | undefined;
  /** Aborted once `handlerTimeoutMs` is over: IM has had its answer by then, so work it would wait for can stop. */
  signal: AbortSignal;
}

/** A before-create verdict: allow, refuse (the creator gets 10016), or refuse with the app's own code (10100–10200). */
export type BeforeVerdict = void | undefined | { allow: true } | { allow: false; code?: number; info?: string };

export type CallbackHandlers = {
  [H in HandlerName]?: (body: CallbackBody<H>, context: CallbackContext) => H extends "beforeCreateTopic" ? BeforeVerdict | Promise<BeforeVerdict> : unknown;
};

/** Why a request was refused, or a handler failed: for logs and metrics. Never carries the token. */
export interface CallbackEvent {
  kind: "refused" | "handler-failed";
  /** HTTP status answered. */
  status: number;
  reason: "query" | "sdkappid" | "unsigned" | "stale" | "sign" | "body" | "command" | "method" | "too-large" | "threw" | "timeout" | "late" | "verdict";
  command?: string;
  message: string;
  error?: unknown;
}

export interface CallbackHandlerOptions {
  /** The app's SDKAppID: a request for another one is refused (IM: 务必校验 SDKAppID). */
  sdkAppId: number;
  /** The callback token (console: 回调鉴权). Required unless `insecureAcceptUnsigned` says otherwise. */
  token?: string;
  /**
   * Accept requests without `Sign` (authentication switched off in the console). Anyone who can reach the URL can
   * then call the handlers: only behind a network that only IM reaches. @default false
   */
  insecureAcceptUnsigned?: boolean;
  /**
   * How far `RequestTime` may be from now, either way, at most 600. IM signs only the token and the time, so all its
   * callbacks of one second carry the same `Sign`, and a captured query passes with any body until this window ends:
   * keep it short, take callbacks over HTTPS only, and make handlers idempotent. @default 60
   */
  maxSkewSeconds?: number;
  /** How long a handler may take (then `context.signal` aborts); IM gives up at 2 s. @default 1500 */
  handlerTimeoutMs?: number;
  /** The verdict when the before-create handler throws or times out: IM's own default for a failed callback is to allow. @default "allow" */
  onBeforeCreateFailure?: "allow" | "deny";
  on: CallbackHandlers;
  /** Called for every refusal and handler failure, a failure after the time was over too (never with the token). */
  onEvent?: (event: CallbackEvent) => void;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

let dispatcher: Promise<typeof import("./dispatch.js")> | undefined;

export function createCallbackHandler(options: CallbackHandlerOptions): (request: Request) => Promise<Response> {
  assertOption(options && typeof options === "object", "options", "must be an object");
  const { sdkAppId, token, on, onEvent, clock = Date.now } = options;
  assertInteger(sdkAppId, "sdkAppId", 1);
  assertOption(token === undefined ? options.insecureAcceptUnsigned === true : typeof token === "string" && token !== "", "token", "must be the callback token, or leave it out and set `insecureAcceptUnsigned: true`");
  const maxSkew = options.maxSkewSeconds ?? 60;
  // Bounded: a Sign proves freshness only within the window (it signs no body), so a wide one invites replays.
  assertInteger(maxSkew, "maxSkewSeconds", 1, true, 600);
  const budgetMs = options.handlerTimeoutMs ?? 1500;
  assertInteger(budgetMs, "handlerTimeoutMs", 1, true, 1999);
  assertOption(on && typeof on === "object", "on", "must map handler names to functions");
  const names = Object.values(callbacks).map((c) => c.handler as string);
  for (const [name, handler] of Object.entries(on)) {
    assertOption(names.includes(name), "on", `has \`${name}\`, which is not a callback (${names.join(", ")})`);
    // Anything else would throw on every request, and a before-create handler that throws allows by default.
    assertOption(typeof handler === "function", "on", `\`${name}\` must be a function`);
  }

  const refuse = (status: number, reason: CallbackEvent["reason"], message: string, command?: string) => {
    onEvent?.({ kind: "refused", status, reason, message, ...(command ? { command } : {}) });
    return reply(status, 1, message);
  };
  // A copy: handlers swapped in later would skip the check above.
  const settings = { on: { ...on }, budgetMs, denyOnFailure: options.onBeforeCreateFailure === "deny", onEvent, refuse };

  return async function handle(request) {
    if (request.method !== "POST") return refuse(405, "method", "callbacks are POSTed");
    const query = new URL(request.url).searchParams;
    const param = (name: CallbackQueryName) => query.get(name) ?? undefined;
    const known = Object.keys(callbackQuery) as CallbackQueryName[];
    // One of each: a proxy that reads the last of a repeated parameter must not see another request than this check.
    if (known.some((name) => query.getAll(name).length > 1)) return refuse(400, "query", "a query parameter is repeated");
    // Without a command word nothing says which handler must see the request, and none may be skipped.
    const missing = known.find((name) => callbackQuery[name].required && !query.get(name));
    if (missing) return refuse(400, "query", `${missing} is required`, param("CallbackCommand"));
    const command = param("CallbackCommand") as string; // required, so present
    if (param("SdkAppid") !== String(sdkAppId)) return refuse(403, "sdkappid", "not this app's SdkAppid", command);
    const sign = param("Sign");
    const time = param("RequestTime");
    let requestTime: number | undefined;
    if (token !== undefined) {
      if (!sign || !time) return refuse(401, "unsigned", "Sign and RequestTime are required", command);
      requestTime = Number(time);
      if (!callbackQuery.RequestTime.pattern.test(time) || Math.abs(clock() / 1000 - requestTime) > maxSkew) return refuse(401, "stale", `RequestTime is more than ${maxSkew} s from now`, command);
      // Hashed exactly as received; compared in constant time, in lower case once it is known to be hex.
      if (!callbackQuery.Sign.pattern.test(sign) || !sameSign(await callbackSign(token, time), sign.toLowerCase())) return refuse(401, "sign", "Sign does not match", command);
    }

    const { dispatch } = await (dispatcher ??= import("./dispatch.js").catch((error: unknown) => {
      dispatcher = undefined; // a failed load (a chunk that did not arrive) is tried again on the next request
      throw error;
    }));
    return dispatch(settings, request, command, { sdkAppId, clientIP: param("ClientIP"), optPlatform: param("OptPlatform"), requestTime });
  };
}
