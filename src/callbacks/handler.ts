/**
 * @module handler — `createCallbackHandler`: a web handler (`Request` → `Response`) for IM's topic callbacks. It
 * verifies a request is IM's (the app's SdkAppid; `Sign` over the token and `RequestTime`, within a window), checks
 * the body against the spec's rules, dispatches by command to the app's handler with the typed body, and answers in
 * IM's envelope, in time. Nothing runs for a request that fails a check, and the token is never echoed.
 */
import { callbacks, rejectionCodes as REJECTION, type CallbackCommand } from "../../generated/callbacks.js";
import type { components } from "../../generated/schema.js";
import { TimConfigError } from "../errors.js";
import { assertInteger, assertOption } from "../internal/assert.js";
import type { ObjectRule } from "../validate.js";
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
  reason: "query" | "sdkappid" | "unsigned" | "stale" | "sign" | "body" | "command" | "method" | "too-large" | "threw" | "timeout" | "verdict";
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
   * How far `RequestTime` may be from now, either way, at most 600. A captured callback URL can be replayed within it
   * (IM signs only the token and the time): keep it short, and make handlers idempotent. @default 60
   */
  maxSkewSeconds?: number;
  /** How long a handler may take; IM gives up at 2 s. @default 1500 */
  handlerTimeoutMs?: number;
  /** The verdict when the before-create handler throws or times out: IM's own default for a failed callback is to allow. @default "allow" */
  onBeforeCreateFailure?: "allow" | "deny";
  on: CallbackHandlers;
  /** Called for every refusal and handler failure (never with the token). */
  onEvent?: (event: CallbackEvent) => void;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/** IM's envelope; a verdict is `OK` even when it refuses (as in IM's examples), a failed check `FAIL`. */
const reply = (status: number, errorCode: number, info: string, actionStatus = errorCode === 0 ? "OK" : "FAIL") =>
  new Response(JSON.stringify({ ActionStatus: actionStatus, ErrorCode: errorCode, ErrorInfo: info }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
let bodyTools: Promise<typeof import("./body.js")> | undefined;
/** A callback body is small; anything larger is not IM's. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createCallbackHandler(options: CallbackHandlerOptions): (request: Request) => Promise<Response> {
  assertOption(options && typeof options === "object", "options", "must be an object");
  const { sdkAppId, token, on, onEvent, clock = Date.now } = options;
  assertInteger(sdkAppId, "sdkAppId", 1);
  assertOption(token === undefined ? options.insecureAcceptUnsigned === true : typeof token === "string" && token !== "", "token", "must be the callback token, or leave it out and set `insecureAcceptUnsigned: true`");
  const maxSkew = options.maxSkewSeconds ?? 60;
  // Bounded: a Sign proves freshness only within the window (it signs no body), so a wide one invites replays.
  assertInteger(maxSkew, "maxSkewSeconds", 1, true, 600);
  const budget = options.handlerTimeoutMs ?? 1500;
  assertInteger(budget, "handlerTimeoutMs", 1, true, 1999);
  assertOption(on && typeof on === "object", "on", "must map handler names to functions");
  const known = new Set(Object.values(callbacks).map((c) => c.handler as string));
  for (const name of Object.keys(on)) assertOption(known.has(name), "on", `has \`${name}\`, which is not a callback (${[...known].join(", ")})`);
  const denyOnFailure = options.onBeforeCreateFailure === "deny";

  const refuse = (status: number, reason: CallbackEvent["reason"], message: string, command?: string) => {
    onEvent?.({ kind: "refused", status, reason, message, ...(command ? { command } : {}) });
    return reply(status, 1, message);
  };

  return async function handle(request) {
    if (request.method !== "POST") return refuse(405, "method", "callbacks are POSTed");
    const query = new URL(request.url).searchParams;
    // One of each: a proxy that reads the last of a repeated parameter must not see another request than this check.
    if (["SdkAppid", "Sign", "RequestTime", "CallbackCommand"].some((name) => query.getAll(name).length > 1)) return refuse(400, "query", "a query parameter is repeated");
    const command = query.get("CallbackCommand") ?? undefined;
    if (query.get("SdkAppid") !== String(sdkAppId)) return refuse(403, "sdkappid", "not this app's SdkAppid", command);
    const sign = query.get("Sign");
    const time = query.get("RequestTime");
    let requestTime: number | undefined;
    if (token !== undefined) {
      if (!sign || !time) return refuse(401, "unsigned", "Sign and RequestTime are required", command);
      requestTime = Number(time);
      if (!/^\d{1,12}$/.test(time) || Math.abs(clock() / 1000 - requestTime) > maxSkew) return refuse(401, "stale", `RequestTime is more than ${maxSkew} s from now`, command);
      // Hashed exactly as received; compared in constant time.
      if (!sameSign(await callbackSign(token, time), sign)) return refuse(401, "sign", "Sign does not match", command);
    }

    // The reader and validator are loaded with the first request that passed the checks: the entry stays small.
    const { readAnswer, AnswerTooLarge, checkBody } = await (bodyTools ??= import("./body.js").catch((error: unknown) => {
      bodyTools = undefined; // a failed load (a chunk that did not arrive) is tried again on the next request
      throw error;
    }));
    // Read to the limit and no further (counted in bytes, however the body arrives).
    let text: string;
    try {
      text = await readAnswer(request as unknown as Response, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof AnswerTooLarge) return refuse(413, "too-large", "the body is too large", command);
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse(400, "body", "the body is not JSON", command);
    }
    const entry = command === undefined ? undefined : (callbacks as Record<string, (typeof callbacks)[CallbackCommand]>)[command];
    // Another callback of the app (they share the URL): acknowledged, as IM expects an answer to every one.
    if (!entry) return reply(200, 0, "");
    const issues = checkBody(entry.rules as ObjectRule, body);
    if (issues.length) return refuse(400, issues.some((i) => i.field === "CallbackCommand") ? "command" : "body", `invalid body: ${issues[0]!.message}`, command);
    const handler = on[entry.handler as HandlerName] as ((body: unknown, context: CallbackContext) => unknown) | undefined;
    if (!handler) return reply(200, 0, "");

    const context: CallbackContext = {
      command: command as CallbackCommand,
      sdkAppId,
      clientIP: query.get("ClientIP") ?? undefined,
      optPlatform: query.get("OptPlatform") ?? undefined,
      requestTime,
    };
    const before = entry.kind === "before";
    const failed = (reason: "threw" | "timeout" | "verdict", error?: unknown) => {
      onEvent?.({ kind: "handler-failed", status: before ? 200 : 500, reason, command: command!, message: `the ${entry.handler} handler ${reason === "timeout" ? `took over ${budget} ms` : reason === "threw" ? "threw" : "gave an invalid verdict"}`, error });
      // IM ignores after-callback answers, but a 5xx shows the failure in its logs; a before-callback gets a verdict.
      return before ? reply(200, denyOnFailure ? 1 : 0, "", "OK") : reply(500, 1, "the handler failed");
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let outcome: { value: unknown } | "timeout";
    try {
      outcome = await Promise.race([
        Promise.resolve(handler(body, context)).then((value) => ({ value })),
        new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), budget))),
      ]);
    } catch (error) {
      return failed("threw", error);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === "timeout") return failed("timeout");
    if (!before) return reply(200, 0, "");
    const verdict = outcome.value as BeforeVerdict | boolean;
    if (verdict === undefined || verdict === true || (typeof verdict === "object" && verdict !== null && verdict.allow === true)) return reply(200, 0, "");
    if (verdict === false) return reply(200, 1, "", "OK");
    // Anything else refuses: an explicit refusal is never turned into an approval, whatever is wrong with it.
    const refusal = typeof verdict === "object" && verdict !== null ? verdict : undefined;
    if (refusal?.allow !== false) {
      onEvent?.({ kind: "handler-failed", status: 200, reason: "verdict", command: command!, message: "the beforeCreateTopic handler gave an invalid verdict; refused", error: new TimConfigError("verdict", "return undefined, { allow: true } or { allow: false, code?, info? }") });
      return reply(200, 1, "", "OK");
    }
    if (refusal.code === undefined) return reply(200, 1, refusal.info ?? "", "OK");
    if (!Number.isInteger(refusal.code) || refusal.code < REJECTION.minimum || refusal.code > REJECTION.maximum) {
      onEvent?.({ kind: "handler-failed", status: 200, reason: "verdict", command: command!, message: `a refusal code must be from ${REJECTION.minimum} to ${REJECTION.maximum}; refused with 1`, error: new TimConfigError("code", `\`code\` of a refusal must be from ${REJECTION.minimum} to ${REJECTION.maximum} (IM passes those to the creator)`) });
      return reply(200, 1, refusal.info ?? "", "OK");
    }
    return reply(200, refusal.code, refusal.info ?? "", "OK");
  };
}
