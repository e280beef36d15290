/**
 * @module invoke — one call of any operation, start to end, driven by its descriptor: options through the gate, the
 * body serialised and validated once, a rate-limit place taken in call order, the UserSig, the request built by
 * openapi-fetch's URL and header builders, the attempt loop (transport/send.ts), then the result shaped
 * (call/shape.ts) or a policy applied (call/read-back.ts). Every stage's final error reaches `onError` once. Nothing
 * here names an operation.
 */
import { createFinalURL, mergeHeaders } from "openapi-fetch";
import { requestRules } from "../../generated/request-rules.js";
import { waitForUserSig, type Credentials } from "../credentials.js";
import { isTimError, TimAbortError, TimApiError, TimTimeoutError, type TimErrorDetails } from "../errors.js";
import { randomUint32 } from "../internal/random.js";
import { operationTable, type CallMeta, type CallOptions, type OperationId } from "../operations.js";
import { resolveCallOptions, type ResolvedOptions } from "../options.js";
import { send, type PlannedRequest, type SendPlan, type TransportSettings } from "../transport/send.js";
import { within } from "../transport/within.js";
import { serialiseBody } from "./body.js";
import type { readBack } from "./read-back.js";
import { shapeResult } from "./shape.js";

export interface CallContext {
  readonly resolved: ResolvedOptions;
  readonly credentials: Credentials;
  readonly transport: TransportSettings;
}

/**
 * IM's query is five scalars, encoded before they get here (the identifier once per client, the UserSig once per
 * signature; numbers and "json" need none): joined in the order given, rather than through the generic serializer.
 */
const serializeQuery = (query: Record<string, unknown>) => {
  let line = "";
  for (const key in query) line += `${line ? "&" : ""}${key}=${String(query[key])}`;
  return line;
};
/** IM's paths have no path parameters. */
const noPathParameters = (path: string) => path;
/** Every body is JSON, as openapi-fetch's own client would declare it. */
const JSON_BODY = { "Content-Type": "application/json" };

export function createInvoker(ctx: CallContext) {
  const { resolved } = ctx;
  const encodedIdentifier = encodeURIComponent(resolved.identifier);
  /** The last UserSig encoded: a cached one is the same string call after call, and encoding ~300 characters is not free. */
  let lastUserSig = "";
  let lastEncoded = "";

  /** Runs one call and resolves its result; throws its final error. Reports nothing (see `invoke`). */
  /** `forCaller: false` for the SDK's own requests (a read-back): the caller's per-call `onRequest` is not told of them. */
  async function run(operation: OperationId, body: unknown, options: CallOptions | null | undefined, deadlineOverride?: number, forCaller = true): Promise<Record<string, unknown>> {
    const started = Date.now();
    const descriptor = operationTable[operation];
    const random = randomUint32();
    // Everything up to the first `await` runs when the method is called, so places in the send queue follow call order.
    const call = resolveCallOptions(resolved, options);
    const { text, sent } = serialiseBody(operation, body, resolved.validate);
    const key = descriptor.idempotencyKey;
    const deadlineMs = deadlineOverride ?? call.deadlineMs;
    const plan: SendPlan = {
      operation,
      idempotent: descriptor.idempotency === "safe" || (key !== undefined && typeof sent[key] === "string"),
      maxRetries: call.maxRetries,
      timeoutMs: call.timeoutMs,
      deadlineMs,
      signal: call.signal,
      onRequest: forCaller ? call.onRequest : undefined,
      random,
      itemsArray: descriptor.items?.array,
      started,
      deadlineAt: deadlineMs === undefined ? Infinity : started + deadlineMs,
    };
    const ticket = ctx.transport.reserve?.(operation);
    let answer;
    try {
      // A settled signature is used at once; only a pending one is waited for, within the signal and the budgets.
      const userSig =
        ctx.credentials.peek() ??
        (await waitForUserSig(ctx.credentials.current(), plan, (): TimErrorDetails => ({ operation, attempts: 0, durationMs: Date.now() - started, random }), false));
      if (userSig !== lastUserSig) [lastUserSig, lastEncoded] = [userSig, encodeURIComponent(userSig)];
      const query = { sdkappid: resolved.sdkAppId, identifier: encodedIdentifier, usersig: lastEncoded, random, contenttype: "json" };
      // openapi-fetch builds the request line and headers; the loop sends it and hands back the answer as a value.
      const request: PlannedRequest = {
        url: createFinalURL(descriptor.path, { baseUrl: resolved.origin, params: { query }, querySerializer: serializeQuery, pathSerializer: noPathParameters }),
        userSig,
        method: descriptor.method,
        // Built by openapi-fetch's mergeHeaders for each attempt: a custom fetch gets a Headers of its own every time.
        headers: () => mergeHeaders(JSON_BODY, call.headers),
        body: text,
      };
      answer = await send(request, ctx.transport, plan, ticket);
    } finally {
      ticket?.cancel(); // a no-op once the loop used it
    }
    const meta: CallMeta = {
      operation,
      attempts: answer.attempts,
      durationMs: Date.now() - started,
      random,
      // Redacted on first read only: most callers never look.
      get url() {
        return answer.url();
      },
    };
    const details = (): TimErrorDetails => ({ operation, attempts: answer.attempts, durationMs: meta.durationMs, url: answer.url(), random });

    if (!answer.ok) {
      // A keyed call with its key, answered "this ID already exists" (`x-duplicate-id-codes`) after an earlier attempt
      // that may have been applied: the lost answer most likely made the ID, so it is read back (call/read-back.ts).
      const { error } = answer;
      if (descriptor.readBack && plan.idempotent && answer.appliedEarlier && error instanceof TimApiError && descriptor.duplicateIdCodes?.includes(error.code)) {
        const target = descriptor.readBack.operation;
        let read: Awaited<ReturnType<typeof readBack>>;
        try {
          // Loading the policy is part of the call: bounded by its signal and deadline like everything else.
          const policy = await within(import("./read-back.js"), plan.signal, plan.deadlineAt, () => new TimTimeoutError("deadline", plan.deadlineMs!, details(), true));
          const remaining = plan.deadlineAt === Infinity ? undefined : Math.max(1, plan.deadlineAt - Date.now());
          read = await policy.readBack({
            descriptor,
            sent,
            read: operationTable[target],
            readFields: requestRules[target].fields,
            identifier: resolved.identifier,
            remainingMs: remaining,
            // The read is the SDK's, not the caller's: their per-call `onRequest` sees only this operation's attempts.
            run: (op, readBody, readDeadline) => run(op, readBody, options, readDeadline, false),
          });
        } catch (failure) {
          read = { unconfirmed: failure }; // the policy's code did not load (in time): nothing was read
        }
        if (typeof read === "object" && "id" in read) {
          const pick = descriptor.pick!;
          return {
            [pick]: read.id,
            response: { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", [pick]: read.id },
            meta: { ...meta, durationMs: Date.now() - started, attempts: answer.attempts + read.attempts, readBack: true },
          };
        }
        if (read !== "other" && plan.signal?.aborted) {
          // Aborted while loading or making the read: the error is about this call, whose lost attempt may have been
          // applied. Its cause is the signal's reason, as for every other abort.
          throw new TimAbortError(`${operation} aborted while reading back ${String(sent[descriptor.idempotencyKey!])}`, { ...details(), cause: plan.signal.reason }, true);
        }
        const { code, info, retry, codeName, meaning } = error;
        // "other": the ID holds another topic, so the lost attempt did not make it and this conflict is a plain refusal.
        // Unconfirmed: the conflict stands, but this call's own lost attempt may be what made the ID: say so.
        throw new TimApiError({ code, info, retry, codeName, meaning }, read === "other" ? details() : { ...details(), cause: read.unconfirmed, appliedEarlier: true });
      }
      throw error;
    }
    const result = await shapeResult(operation, descriptor, answer, sent, details); // a plain value for a picked result
    result.response = answer.body;
    result.meta = meta;
    return result;
  }

  /** A public call: `run`, with its final error reported to `onError` once, whatever stage it came from. */
  return function invoke(operation: OperationId, body: unknown, options: CallOptions | null | undefined): Promise<Record<string, unknown>> {
    const started = Date.now();
    // A handler on run's promise rather than an async wrapper: one promise less per call.
    return run(operation, body, options).catch((error: unknown) => {
      if (isTimError(error)) {
        resolved.onError?.({
          operation,
          attempts: error.attempts ?? 0,
          durationMs: Date.now() - started,
          url: error.url ?? `${resolved.origin}${operationTable[operation].path}`,
          error,
        });
      }
      throw error;
    });
  };
}
