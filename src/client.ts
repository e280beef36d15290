/**
 * @module client — `createClient`: one method per operation of the spec, each a signed, validated, retried call. The
 * request line and headers are built by openapi-fetch's builders (call/invoke.ts); the attempt loop sends them with the
 * app's `fetch` and hands the answer back as a value.
 */
import { operationIds } from "../generated/operations.js";
import { createInvoker } from "./call/invoke.js";
import { createCredentials } from "./credentials.js";
import type { OperationId, TimClient } from "./operations.js";
import { operationTable } from "./operations.js";
import { resolveOptions, type ClientOptions } from "./options.js";
import { lazy } from "./internal/lazy.js";
import type { Limiter, Ticket } from "./rate-limit.js";
import type { TransportSettings } from "./transport/send.js";
import { within } from "./transport/within.js";

/** The rate limiter's code (rate-limit.ts): it imports nothing, so it stays out of the initial load. */
const limiterCode = lazy(() => import("./rate-limit.js"));

export function createClient(options: ClientOptions): TimClient {
  const resolved = resolveOptions(options);
  const credentials = createCredentials(resolved);
  const rate = resolved.ratePerSecond;
  const limiters = new Map<OperationId, Limiter>();
  /**
   * A place in the operation's send queue. The limiter's code loads with the first paced call (most clients never
   * pace, so it is not in the initial load); places are still taken in call order, since reactions to one promise run
   * in the order they were registered.
   */
  const reserve = (operation: OperationId, perSecond: number | "spec"): Ticket => {
    const place = limiterCode().then((m) => {
      let limiter = limiters.get(operation);
      if (!limiter) limiters.set(operation, (limiter = m.createWindowLimiter(perSecond === "spec" ? operationTable[operation].rateLimitPerSecond : perSecond)));
      return limiter.reserve();
    });
    place.catch(() => {}); // a failed load is reported by wait(), once
    const cancel = () => void place.then((t) => t.cancel(), () => {});
    return {
      // The signal (the caller's abort, the deadline) bounds the load too; a place that arrives after the wait gave up
      // is given back, or it would hold the head of the queue.
      wait: (signal) =>
        within(place, signal, Infinity, () => signal!.reason as Error).then(
          (ticket) => ticket.wait(signal),
          (error: unknown) => {
            cancel();
            throw error;
          },
        ),
      cancel,
    };
  };
  const transport: TransportSettings = {
    fetch: resolved.fetch,
    secrets: resolved.secretKey ? [resolved.secretKey] : [],
    backupOrigin: resolved.backupOrigin,
    maxResponseBytes: resolved.maxResponseBytes,
    resign: credentials.canRefresh ? (refused) => credentials.refresh(refused) : undefined,
    reserve: rate === undefined ? undefined : (operation) => reserve(operation, rate),
    onRequest: resolved.onRequest,
    onResponse: resolved.onResponse,
    onRetry: resolved.onRetry,
  };
  const invoke = createInvoker({ resolved, credentials, transport });
  return Object.freeze(
    Object.fromEntries(operationIds.map((operation) => [operation, (body: unknown, callOptions?: unknown) => invoke(operation, body, callOptions as never)])),
  ) as unknown as TimClient;
}
