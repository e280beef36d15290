/**
 * @module callbacks/dispatch — what the callback handler needs only once a request has passed its checks: the body,
 * read to a bound and checked against the spec's rules, the app's handler run within its time, and its verdict turned
 * into IM's answer. Loaded with the first request that passed the checks, so the entry's first load stays small.
 */
import { callbacks, rejectionCodes as REJECTION, type CallbackCommand } from "../../generated/callbacks.js";
import { TimConfigError } from "../errors.js";
import { AnswerTooLarge, readAnswer } from "../transport/read-answer.js";
import { checkBody, type ObjectRule } from "../validate.js";
import type { BeforeVerdict, CallbackContext, CallbackEvent, CallbackHandlers } from "./handler.js";
import { reply } from "./reply.js";

/** A callback body is small; anything larger is not IM's. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface DispatchSettings {
  on: CallbackHandlers;
  budgetMs: number;
  denyOnFailure: boolean;
  onEvent: ((event: CallbackEvent) => void) | undefined;
  refuse: (status: number, reason: CallbackEvent["reason"], message: string, command?: string) => Response;
}

const isTopicCommand = (value: unknown): value is CallbackCommand => typeof value === "string" && Object.hasOwn(callbacks, value);

/** Answers a request whose query passed the checks: `command` is its `CallbackCommand`, `facts` the rest of the context. */
export async function dispatch(
  { on, budgetMs, denyOnFailure, onEvent, refuse }: DispatchSettings,
  request: Request,
  command: string,
  facts: Omit<CallbackContext, "command" | "signal">,
): Promise<Response> {
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
  if (!isTopicCommand(command)) {
    // Another callback of the app (they share the URL) is acknowledged, as IM expects an answer to every one; but not a
    // topic callback's body under another command word, which would approve a creation no handler saw.
    if (isTopicCommand((body as { CallbackCommand?: unknown } | null)?.CallbackCommand)) return refuse(400, "command", "the body's CallbackCommand is not the query's", command);
    return reply(200, 0, "");
  }
  const entry = callbacks[command];
  const issues = checkBody(entry.rules as ObjectRule, body);
  if (issues.length) return refuse(400, issues.some((i) => i.field === "CallbackCommand") ? "command" : "body", `invalid body: ${issues[0]!.message}`, command);
  const handler = on[entry.handler] as ((body: unknown, context: CallbackContext) => unknown) | undefined;
  if (!handler) return reply(200, 0, "");

  const before = entry.kind === "before";
  const report = (reason: "threw" | "timeout" | "late" | "verdict", message: string, error?: unknown) =>
    onEvent?.({ kind: "handler-failed", status: before ? 200 : 500, reason, command, message: `the ${entry.handler} handler ${message}`, error });
  // IM ignores after-callback answers, but a 5xx shows the failure in its logs; a before-callback gets a verdict.
  const failed = () => (before ? reply(200, denyOnFailure ? 1 : 0, "", "OK") : reply(500, 1, "the handler failed"));
  const timeUp = new AbortController();
  let answered = false;
  const running = Promise.resolve().then(() => handler(body, { command, ...facts, signal: timeUp.signal }));
  // A failure after the answer went out changes nothing for IM, but the app must still hear of it.
  running.catch((error: unknown) => answered && report("late", `failed after its ${budgetMs} ms were over`, error));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let outcome: { value: unknown } | "timeout";
  try {
    outcome = await Promise.race([running.then((value) => ({ value })), new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), budgetMs)))]);
  } catch (error) {
    report("threw", "threw", error);
    return failed();
  } finally {
    clearTimeout(timer);
  }
  if (outcome === "timeout") {
    answered = true;
    timeUp.abort(new DOMException(`over ${budgetMs} ms`, "TimeoutError"));
    report("timeout", `took over ${budgetMs} ms`);
    return failed();
  }
  if (!before) return reply(200, 0, "");

  const verdict = outcome.value as BeforeVerdict | boolean;
  const refusal = typeof verdict === "object" && verdict !== null ? verdict : undefined;
  if (verdict === undefined || verdict === true || refusal?.allow === true) return reply(200, 0, "");
  if (verdict === false) return reply(200, 1, "", "OK");
  // Anything else refuses: an explicit refusal is never turned into an approval, whatever is wrong with it.
  const invalid = (option: string, message: string, info = "") => {
    report("verdict", `${message}; refused with 1`, new TimConfigError(option, message));
    return reply(200, 1, info, "OK");
  };
  if (refusal?.allow !== false) return invalid("verdict", "gave none of undefined, { allow: true }, { allow: false, code?, info? }");
  const { code, info = "" } = refusal;
  if (typeof info !== "string") return invalid("info", "gave a refusal whose `info` is not a string");
  if (code === undefined) return reply(200, 1, info, "OK");
  if (!Number.isInteger(code) || code < REJECTION.minimum || code > REJECTION.maximum) {
    return invalid("code", `gave a refusal \`code\` outside ${REJECTION.minimum}–${REJECTION.maximum} (IM passes only those to the creator)`, info);
  }
  return reply(200, code, info, "OK");
}
