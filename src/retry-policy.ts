/** @module retry-policy — whether and when to retry one failed attempt. Pure: no timers, no I/O. */

/**
 * What the SDK does with an IM error code (the spec's `x-retryable`):
 * - `transient`: the server failed or timed out; a retry may succeed (never for a call that is unsafe to repeat);
 * - `rate-limit`: refused for frequency limits before processing; back off and retry;
 * - `resign`: the signature was refused; get a fresh UserSig and retry once;
 * - `never`: the request itself is wrong or not allowed.
 */
export type RetryClass = "transient" | "rate-limit" | "resign" | "never";

/** How an attempt failed. */
export type AttemptFailure =
  /** fetch rejected. `connectFailed`: DNS or connect failure (or a port fetch refuses), so the request provably never left. */
  | { kind: "network"; connectFailed: boolean }
  /** The per-attempt timeout fired (the request may have been applied). */
  | { kind: "timeout" }
  /** A status other than 200 (a 3xx included: redirects are never followed). */
  | { kind: "http"; status: number }
  /** HTTP 200 whose body is not an IM result (truncated, not JSON, too large). */
  | { kind: "body" }
  /** IM answered a non-zero ErrorCode with this retry class. */
  | { kind: "api"; retry: RetryClass };

export interface RetryInput {
  failure: AttemptFailure;
  /** Retries already spent on backoff (resign and failover retries are not counted). */
  retriesUsed: number;
  maxRetries: number;
  /**
   * Whether repeating the request cannot do anything twice (the operation's `x-idempotency`: `safe`, or `keyed` with
   * its key in the body). Otherwise the request is retried only when the failure proves nothing was applied.
   */
  idempotent: boolean;
  /** Whether a fresh UserSig can be had and has not been tried in this call yet. */
  canResign: boolean;
  /** The server's Retry-After, in ms, if it sent one. */
  retryAfterMs?: number;
  /** [0, 1); injected for tests. */
  random: () => number;
}

export type RetryDecision = { retry: false } | { retry: true; delayMs: number; resign?: true; countsAsRetry: boolean };

/** Backoff: full jitter over base·2^n, capped (AWS "Exponential Backoff and Jitter"). */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 8_000;
/** A Retry-After longer than this is ignored in favour of the backoff (as the Stainless SDKs do). */
export const RETRY_AFTER_MAX_MS = 60_000;

// HTTP statuses worth another attempt: gateway and server failures, and explicit throttling/timeouts.
const RETRYABLE_STATUS = /* @__PURE__ */ new Set([
  408, // Request Timeout
  429, // Too Many Requests: refused before processing
  500, // Internal Server Error
  502, // Bad Gateway: IM's docs name it as the network error case
  503, // Service Unavailable
  504, // Gateway Timeout
]);

export function decideRetry(input: RetryInput): RetryDecision {
  const { failure, idempotent } = input;
  // A refused signature is fixed by re-signing, once, at once; it does not spend the retry budget.
  if (failure.kind === "api" && failure.retry === "resign") {
    return input.canResign ? { retry: true, delayMs: 0, resign: true, countsAsRetry: false } : { retry: false };
  }
  if (input.retriesUsed >= input.maxRetries) return { retry: false };

  // Retry what may succeed next time, unless a repeat could apply a non-idempotent request twice.
  const retryable =
    failure.kind === "api" ? failure.retry === "transient" || failure.retry === "rate-limit" : failure.kind !== "http" || RETRYABLE_STATUS.has(failure.status);
  const safe = retryable && (idempotent || !mayHaveBeenApplied(failure));
  if (!safe) return { retry: false };

  const honoured = input.retryAfterMs !== undefined && input.retryAfterMs >= 0 && input.retryAfterMs <= RETRY_AFTER_MAX_MS;
  const delayMs = honoured
    ? input.retryAfterMs!
    : Math.floor(input.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** input.retriesUsed));
  return { retry: true, delayMs, countsAsRetry: true };
}

/**
 * Whether IM may have acted on the request of a failed attempt: the one owner of this rule (the error classes ask it
 * too). Only failures that prove the request was refused or never sent say no: a DNS/connect failure, a redirect,
 * HTTP 429 or another 4xx, and IM codes other than `transient` ones (those are refusals: bad input, permissions, rate
 * limits, signatures).
 */
export function mayHaveBeenApplied(failure: AttemptFailure): boolean {
  switch (failure.kind) {
    case "network":
      return !failure.connectFailed;
    case "http":
      return failure.status >= 500 || failure.status === 408;
    case "api":
      return failure.retry === "transient";
    default: // timeout, unparsable 200 body
      return true;
  }
}

/** Reads `retry-after-ms`, then `retry-after` (seconds or an HTTP date), into milliseconds. An empty value is absent. */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  // `Number("")` is 0: an empty header must not mean "retry at once".
  const ms = Number(headers.get("retry-after-ms") || NaN);
  if (Number.isFinite(ms)) return ms;
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
