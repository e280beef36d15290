/**
 * @module transport — the retrying `fetch` handed to openapi-fetch for each call, so middleware sees one logical
 * request while this loop sees every attempt. It owns timeouts, the deadline, aborts, backoff, re-signing, rate
 * limiting, region failover, IM body codes and the hooks.
 */
import type { OperationId } from "../generated/request-rules.js";
import { retryCodes } from "../generated/retry-codes.js";
import type { RetryClass } from "../generated/error-codes.js";
import {
  TimAbortError,
  TimApiError,
  TimError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  redact,
  type TimErrorDetails,
} from "./errors.js";
import { decideRetry, mayHaveBeenApplied, parseRetryAfter, type AttemptFailure } from "./retry-policy.js";
import { sleep } from "./internal/sleep.js";

/** Hook payloads: one object each, URLs always redacted. */
export interface RequestEvent { operation: OperationId; attempt: number; url: string }
export interface ResponseEvent extends RequestEvent { status: number; code?: number; durationMs: number }
export interface RetryEvent extends RequestEvent { delayMs: number; error: TimError; resign: boolean; failover: boolean }
export interface ErrorEvent { operation: OperationId; attempts: number; durationMs: number; url: string; error: TimError }
export interface Hooks {
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onError?: (event: ErrorEvent) => void;
}

/** Per-client settings, resolved once. (`onError` is the client's: it reports a call's final error, from any stage.) */
export interface TransportSettings extends Omit<Hooks, "onError"> {
  fetch: typeof fetch;
  /** Text never to show (the secret key); usersig is redacted by name. */
  secrets: readonly string[];
  /** Backup origin to switch to on a DNS/connect failure (`failover`). */
  backupOrigin?: string;
  /** Waits for a send slot of the operation (`rateLimit`); rejects when `signal` aborts (caller or deadline). */
  acquire?: (operation: OperationId, signal?: AbortSignal) => Promise<void>;
  /** A fresh UserSig, when one can be had (after 70001/70052). */
  resign?: () => Promise<string>;
}

/** Per-call state: the inputs, plus what the loop learnt (attempts, the parsed body). */
export interface CallState {
  operation: OperationId;
  idempotent: boolean;
  maxRetries: number;
  timeoutMs: number;
  deadlineMs?: number;
  signal?: AbortSignal;
  random: number;
  started: number;
  attempts: number;
  /** The redacted URL of the last attempt, computed when first read (hooks, errors, `meta.url`). */
  readonly url: string;
  /** The parsed IM body of the successful attempt. */
  body?: Record<string, unknown>;
  /** Whether any failed attempt may have been applied by IM (see `mayHaveBeenApplied` in retry-policy.ts). */
  mayHaveBeenApplied?: boolean;
  /** Redacts the secret key and this call's UserSigs from text IM sent back (set when the call is sent). */
  scrub?: (text: string) => string;
}

/** What every error of a call carries about it. */
export function detailsOf(state: CallState): TimErrorDetails {
  return { operation: state.operation, attempts: state.attempts, durationMs: Date.now() - state.started, url: state.url, random: state.random };
}

/**
 * `promise`, unless the call's signal or deadline comes first (then `TimAbortError` / `TimTimeoutError`): for waits
 * outside an attempt, such as a `userSig` function or a re-sign. The work itself is not cancelled, only no longer awaited.
 */
export function withinCall<T>(promise: Promise<T>, state: CallState): Promise<T> {
  const { signal, deadlineMs } = state;
  if (!signal && deadlineMs === undefined) return promise; // the common case allocates nothing
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      settle();
      reject(new TimAbortError(`${state.operation} aborted`, { ...detailsOf(state), cause: signal?.reason }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (deadlineMs !== undefined) {
      timer = setTimeout(() => {
        settle();
        reject(new TimTimeoutError("deadline", deadlineMs, detailsOf(state)));
      }, timerMs(state.started + deadlineMs - Date.now()));
    }
    promise.then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
  });
}

/** Error codes that name a network-level failure where nothing reached the server. */
const CONNECT_FAILURE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT|ConnectionRefused|FailedToOpenSocket|connection refused|dns error|failed to lookup/i;

/** Whether a fetch rejection is a DNS/connect failure, looking through `cause` chains (undici, Bun, Deno). */
export function isConnectFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (CONNECT_FAILURE.test(`${code ?? ""} ${message ?? ""}`)) return true;
  }
  return false;
}

export function retryClassOf(operation: OperationId, code: number): RetryClass {
  const table: Record<string, readonly number[]> = retryCodes[operation];
  for (const retry in table) if (table[retry]!.includes(code)) return retry as RetryClass;
  return "never";
}

let meanings: Promise<typeof import("../generated/error-codes.js")> | undefined;

/** The spec's row for `code`, loading the meanings table on first use. */
async function errorCodeRow(operation: OperationId, code: number) {
  try {
    const { errorCodeRows } = await (meanings ??= import("../generated/error-codes.js"));
    return errorCodeRows.find((r) => r.code === code && r.operations.includes(operation));
  } catch {
    // A chunk that failed to load (a browser gone offline) must not turn IM's answer into a loader error, nor stay
    // failed for later calls: report the code without its meaning, and load again next time.
    meanings = undefined;
    return undefined;
  }
}

/** Builds a TimApiError with the spec's meaning; the meanings table is loaded only when an error is reported. */
export async function apiError(operation: OperationId, code: number, info: string, details: TimErrorDetails): Promise<TimApiError> {
  const row = await errorCodeRow(operation, code);
  return new TimApiError(
    { code, info, retry: retryClassOf(operation, code), codeName: row?.name, meaning: row && { zh: row.zh, en: row.en } },
    { ...details, operation },
  );
}

/**
 * A safe stand-in for a foreign error: the name, code and redacted message of its root cause (undici's "fetch failed"
 * keeps the useful part, e.g. "connect ECONNREFUSED …", in `cause`), without a stack that could hold a URL.
 */
function scrubCause(error: unknown, secrets: readonly string[]): Error {
  let root = error as { name?: string; message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && root?.cause; depth++) root = root.cause as typeof root;
  const { name, message, code } = root ?? {};
  const clean = new Error(redact(String(message ?? error), secrets));
  clean.name = name ?? "Error";
  if (code) Object.assign(clean, { code });
  return clean;
}

/** The `usersig` query parameter; group 1 is its value. */
const USERSIG = /[?&]usersig=([^&#]*)/;
/** The scheme and host of an absolute URL. */
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/** What the retry loop hands back to openapi-fetch on success (it reads only the status): one body-less answer, shared. */
let emptyOk: Response | undefined;

/** Node (and browsers) fire a setTimeout above 2^31 − 1 ms at once. */
const timerMs = (ms: number) => Math.min(ms, 2 ** 31 - 1);

/** Sends `request` with retries; resolves an empty 200 on success (the parsed body is left in `state.body`). */
export async function sendWithRetries(request: Request, settings: TransportSettings, state: CallState): Promise<Response> {
  // The URL stays a string on the hot path; it is parsed only to change it (re-sign, failover), and redacted only
  // when something reads `state.url`.
  let href = request.url;
  let shownHref: string | undefined;
  Object.defineProperty(state, "url", { get: () => (shownHref ??= redact(href, settings.secrets)), configurable: true });
  const headers = request.headers;
  const payload = await request.text(); // read once, replayed on every attempt
  const deadlineAt = state.deadlineMs === undefined ? Infinity : state.started + state.deadlineMs;
  // What an answer may echo back and must not reach an error: the key, and the UserSigs this call has carried.
  const userSigs = new Set<string>();
  const secrets = () => [...settings.secrets, ...userSigs];
  const scrub = (state.scrub = (text: string) => redact(text, secrets()));
  let retriesUsed = 0;
  let resigned = false;
  let failedOver = false;

  for (;;) {
    state.attempts++;
    shownHref = undefined;
    const sent = USERSIG.exec(href)?.[1];
    if (sent) userSigs.add(sent).add(decodeURIComponent(sent));
    const details = () => detailsOf(state);
    /** What every hook event starts with. */
    const event = () => ({ operation: state.operation, attempt: state.attempts, url: state.url });
    const aborted = (where: string) => new TimAbortError(`${state.operation} aborted${where}`, { ...details(), cause: state.signal?.reason });
    if (state.signal?.aborted) throw aborted("");
    if (Date.now() >= deadlineAt) throw new TimTimeoutError("deadline", state.deadlineMs!, details());

    // One controller per attempt, fired by the caller's signal, then the deadline (while waiting for a rate-limit
    // slot), then the attempt's timeout (once sent). Listening before the wait leaves no gap for an abort to slip by.
    const controller = new AbortController();
    let firedBy: "caller" | "attempt" | "deadline" | undefined;
    const stopBy = (why: typeof firedBy) => () => {
      firedBy ??= why;
      controller.abort();
    };
    const onCallerAbort = stopBy("caller");
    state.signal?.addEventListener("abort", onCallerAbort, { once: true });
    // The deadline timer matters only while waiting for a rate-limit slot; the attempt timer below replaces it.
    let timer = settings.acquire && deadlineAt !== Infinity ? setTimeout(stopBy("deadline"), timerMs(deadlineAt - Date.now())) : undefined;

    let failure: AttemptFailure | undefined;
    let error!: TimError;
    let retryAfterMs: number | undefined;
    try {
      if (settings.acquire) {
        try {
          await settings.acquire(state.operation, controller.signal);
        } catch {
          throw firedBy === "deadline" ? new TimTimeoutError("deadline", state.deadlineMs!, details()) : aborted(" while waiting for a rate-limit slot");
        }
      }
      clearTimeout(timer);
      settings.onRequest?.(event());
      const attemptStart = Date.now();
      const budget = Math.min(state.timeoutMs, deadlineAt - attemptStart);
      timer = setTimeout(stopBy(budget === state.timeoutMs ? "attempt" : "deadline"), timerMs(budget));

      // Only the network is inside this try: a throwing hook or a bug below is not a network failure to retry.
      let response: Response | undefined;
      let text = "";
      try {
        const answer = await settings.fetch(href, { method: "POST", headers, body: payload, signal: controller.signal });
        text = await answer.text();
        response = answer; // only once the whole body arrived
      } catch (thrown) {
        if (firedBy === "caller") throw aborted("");
        if (firedBy) {
          failure = { kind: "timeout" };
          error = new TimTimeoutError(firedBy, firedBy === "attempt" ? state.timeoutMs : state.deadlineMs!, details());
          if (firedBy === "deadline") throw error;
        } else {
          const connectFailed = isConnectFailure(thrown);
          failure = { kind: "network", connectFailed };
          const cause = scrubCause(thrown, secrets());
          error = new TimNetworkError(
            `${state.operation} failed on the network (${cause.message})${connectFailed ? "" : "; the request may have been applied"}`,
            !connectFailed,
            { ...details(), cause },
          );
        }
      }

      if (response) {
        retryAfterMs = parseRetryAfter(response.headers, Date.now());
        let parsed: unknown;
        try {
          parsed = response.status === 200 ? JSON.parse(text) : undefined;
        } catch {
          // handled below as an unparsable body
        }
        const code = (parsed as { ErrorCode?: unknown } | undefined)?.ErrorCode;
        settings.onResponse?.({
          ...event(),
          status: response.status,
          code: typeof code === "number" ? code : undefined,
          durationMs: Date.now() - attemptStart,
        });
        // A proxy's error page or an odd body may quote the request URL: redact before keeping any of it.
        const snippet = () => scrub(text).slice(0, 200);
        if (response.status !== 200) {
          failure = { kind: "http", status: response.status };
          error = new TimHttpError(response.status, snippet(), mayHaveBeenApplied(failure), details());
        } else if (typeof code !== "number") {
          failure = { kind: "body" };
          error = new TimResponseError(snippet(), details());
        } else if (code === 0) {
          state.body = parsed as Record<string, unknown>;
          return (emptyOk ??= new Response(null, { status: 200 }));
        } else {
          const info = (parsed as { ErrorInfo?: unknown }).ErrorInfo;
          error = await apiError(state.operation, code, typeof info === "string" ? scrub(info) : "", details());
          failure = { kind: "api", retry: (error as TimApiError).retry };
        }
      }
    } finally {
      clearTimeout(timer);
      state.signal?.removeEventListener("abort", onCallerAbort);
    }

    // Region failover: a DNS/connect failure on the primary host moves the call to the backup host, once, at once.
    if (failure?.kind === "network" && failure.connectFailed && settings.backupOrigin && !failedOver) {
      failedOver = true;
      href = href.replace(ORIGIN, settings.backupOrigin);
      settings.onRetry?.({ ...event(), delayMs: 0, error, resign: false, failover: true });
      continue;
    }

    state.mayHaveBeenApplied ||= mayHaveBeenApplied(failure!);
    const decision = decideRetry({
      failure: failure!,
      retriesUsed,
      maxRetries: state.maxRetries,
      idempotent: state.idempotent,
      canResign: !resigned && settings.resign !== undefined,
      retryAfterMs,
      random: Math.random,
    });
    if (!decision.retry) throw error;
    if (decision.delayMs > 0 && Date.now() + decision.delayMs >= deadlineAt) throw error; // no time left to wait
    settings.onRetry?.({ ...event(), delayMs: decision.delayMs, error, resign: decision.resign === true, failover: false });
    if (decision.countsAsRetry) retriesUsed++;
    if (decision.resign) {
      resigned = true;
      const userSig = encodeURIComponent(await withinCall(settings.resign!(), state)); // encoded as the query serializer does
      href = href.replace(USERSIG, (param, value: string) => param.slice(0, param.length - value.length) + userSig);
    }
    if (decision.delayMs > 0) {
      try {
        await sleep(decision.delayMs, state.signal);
      } catch {
        throw new TimAbortError(`${state.operation} aborted during a retry backoff`, { ...details(), cause: error });
      }
    }
  }
}
