/**
 * @module send — the attempt loop of one call: a read-only plan in, an `Outcome` out. It owns timeouts, the deadline,
 * aborts, backoff, re-signing, rate-limit slots, region failover, bounded reading of answers, IM body codes and the
 * per-attempt hooks. It writes nothing but its own locals; every answer goes back in the outcome.
 */
import type { OperationId } from "../../generated/operations.js";
import { apiError } from "../api-error.js";
import { waitForUserSig } from "../credentials.js";
import { TimAbortError, TimHttpError, TimNetworkError, TimResponseError, TimTimeoutError, type TimError, type TimErrorDetails } from "../errors.js";
import type { Hooks, RequestEvent } from "../hooks.js";
import { sleep } from "../internal/sleep.js";
import type { Ticket } from "../rate-limit.js";
import { redact, scrubCause } from "../redact.js";
import { decideRetry, mayHaveBeenApplied, parseRetryAfter, type AttemptFailure } from "../retry-policy.js";
import { AnswerTooLarge, discard, readAnswer } from "./read-answer.js";
import { timerMs } from "./within.js";

/** Per-client settings, resolved once. */
export interface TransportSettings extends Omit<Hooks, "onError"> {
  fetch: typeof fetch;
  /** Text never to show (the secret key); usersig is redacted by name. */
  secrets: readonly string[];
  /** Backup origin to switch to on a DNS/connect failure (`failover`). */
  backupOrigin: string | undefined;
  /** A place in the operation's send queue (`rateLimit`), or undefined when sends are not paced. */
  reserve: ((operation: OperationId) => Ticket) | undefined;
  /** A fresh UserSig after IM refused `refused`, when one can be had. */
  resign: ((refused: string) => Promise<string>) | undefined;
  /** The largest answer read (bytes, decompressed). */
  maxResponseBytes: number;
}

/** One call as the loop runs it: fixed before the first attempt, never written. */
export interface SendPlan {
  readonly operation: OperationId;
  /** Whether a repeat cannot do anything twice (the operation's idempotency, and the body's key for keyed ones). */
  readonly idempotent: boolean;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The call's own `onRequest`, beside the client's. */
  readonly onRequest?: ((event: RequestEvent) => void) | undefined;
  readonly random: number;
  /**
   * The per-item array of the answer (`x-items.array`), if the operation has one: an answer that carries items is
   * shaped item by item whatever its top-level code (IM documents get_topic's as meaningless, and per-item codes are
   * authoritative), so per-topic results are never thrown away with a top-level failure.
   */
  readonly itemsArray?: string | undefined;
  /** `Date.now()` when the call started; `deadlineAt` is `started + deadlineMs` (Infinity without a deadline). */
  readonly started: number;
  readonly deadlineAt: number;
}

/** What the request looks like (openapi-fetch's builders make it, call/invoke.ts). */
export interface PlannedRequest {
  readonly url: string;
  /** The UserSig the URL carries (as signed, before encoding): redacted from all IM sends back, refused on a re-sign. */
  readonly userSig: string;
  readonly method: string;
  /** The headers of one attempt, fresh each time (a custom fetch may change what it is given). */
  readonly headers: () => Headers;
  readonly body: string;
}

interface OutcomeBase {
  /** Attempts sent. */
  attempts: number;
  /** The last attempt's URL, usersig redacted (computed when first read). */
  url: () => string;
  /** Redacts the secret key and every UserSig this call carried from text IM sent back. */
  scrub: (text: string) => string;
  /** Whether an attempt before the last one may have been applied by IM (its answer lost). */
  appliedEarlier: boolean;
}
export type Outcome = (OutcomeBase & { ok: true; body: Record<string, unknown>; snippet: () => string }) | (OutcomeBase & { ok: false; error: TimError });

/** Error codes and messages of a fetch rejection that prove nothing was sent: DNS, connect, or a port fetch refuses. */
const NOT_SENT =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT|ConnectionRefused|FailedToOpenSocket|connection refused|dns error|failed to lookup|bad port/i;

/** Whether a fetch rejection proves the request never left, looking through `cause` chains (undici, Bun, Deno). */
export function isConnectFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (NOT_SENT.test(`${code ?? ""} ${message ?? ""}`)) return true;
  }
  return false;
}

/** The `usersig` query parameter; group 1 is its value. */
const USERSIG = /[?&]usersig=([^&#]*)/;
/** The scheme and host of an absolute URL. */
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/** The origin of a redirect's Location (never its path or query, which may carry the usersig); "" when unknown. */
function locationOrigin(response: Response, base: string): string {
  const location = response.headers.get("location") ?? (response.redirected ? response.url : "");
  try {
    return location ? new URL(location, base).origin : "";
  } catch {
    return "";
  }
}

/** Whether an answer holds per-item results (a non-empty `array`), which then stand for the call. */
const carriesItems = (body: Record<string, unknown>, array: string | undefined): boolean => array !== undefined && Array.isArray(body[array]) && (body[array] as unknown[]).length > 0;

/** Sends the request, with retries, until it succeeds, fails for good, or runs out of budget. */
export async function send(request: PlannedRequest, settings: TransportSettings, plan: SendPlan, firstTicket: Ticket | undefined): Promise<Outcome> {
  const { operation, signal, deadlineMs, deadlineAt } = plan;
  // The URL stays a string on the hot path: parsed only to change it (re-sign, failover), redacted only when read.
  let href = request.url;
  let shown: string | undefined;
  const url = () => (shown ??= redact(href, settings.secrets));
  // Every UserSig this call carried, as signed and as encoded in the URL: built into the redaction list only when text
  // is scrubbed (a failure), not per attempt.
  let userSig = request.userSig;
  const userSigs = [userSig];
  const hidden = () => [...settings.secrets, ...userSigs, ...userSigs.map(encodeURIComponent)];
  const scrub = (text: string) => redact(text, hidden());
  let attempts = 0;
  let retriesUsed = 0;
  let resigned = false;
  let failedOver = false;
  /** Some attempt so far may have been applied; `appliedBefore` is that, for the attempts before the current one. */
  let applied = false;
  let appliedBefore = false;
  let ticket = firstTicket;

  // `applied` is the attempts before the one an error is built for: each error says if any of them may have been applied.
  const details = (): TimErrorDetails => ({ operation, attempts, durationMs: Date.now() - plan.started, url: url(), random: plan.random, appliedEarlier: applied });
  const event = () => ({ operation, attempt: attempts, url: url() });
  const aborted = (where: string, inFlight = false) => new TimAbortError(`${operation} aborted${where}`, { ...details(), cause: signal?.reason }, applied || inFlight);
  const done = (error: TimError): Outcome => ({ ok: false, error, attempts, url, scrub, appliedEarlier: appliedBefore });

  try {
    for (;;) {
      if (signal?.aborted) return done(aborted(""));
      if (Date.now() >= deadlineAt) return done(new TimTimeoutError("deadline", deadlineMs!, details(), applied));
      // One controller per attempt, fired by the caller's signal, then the deadline (while waiting for a rate-limit
      // slot), then the attempt's timeout (once sent). Listening before the wait leaves no gap for an abort to slip by.
      const controller = new AbortController();
      const attemptSignal = controller.signal; // read once: the getter is not free on every runtime
      let firedBy: "caller" | "attempt" | "deadline" | undefined;
      const stopBy = (why: typeof firedBy) => () => {
        firedBy ??= why;
        controller.abort();
      };
      const onCallerAbort = stopBy("caller");
      signal?.addEventListener("abort", onCallerAbort, { once: true });
      ticket ??= settings.reserve?.(operation);
      let timer = ticket && deadlineAt !== Infinity ? setTimeout(stopBy("deadline"), timerMs(deadlineAt - Date.now())) : undefined;

      let failure: AttemptFailure | undefined;
      let error: TimError | undefined;
      let retryAfterMs: number | undefined;
      try {
        if (ticket) {
          try {
            await ticket.wait(attemptSignal);
          } catch (failure) {
            // Neither the caller nor the deadline: the limiter's code could not be loaded (a lazy chunk). Nothing left.
            if (!firedBy) return done(new TimNetworkError("the rate limiter could not be loaded", true, { ...details(), cause: failure }));
            return done(firedBy === "deadline" ? new TimTimeoutError("deadline", deadlineMs!, details(), applied) : aborted(" while waiting for a rate-limit slot"));
          } finally {
            ticket = undefined;
          }
        }
        clearTimeout(timer);
        // Stopped between the slot and the send (or by a hook as it was told of the send): nothing left, nothing applied.
        const stoppedBeforeSending = () =>
          done(firedBy === "deadline" ? new TimTimeoutError("deadline", deadlineMs!, details(), applied) : aborted(""));
        if (attemptSignal.aborted) return stoppedBeforeSending();
        attempts++;
        shown = undefined;
        if (settings.onRequest || plan.onRequest) {
          const sending = event();
          settings.onRequest?.(sending);
          plan.onRequest?.(sending);
          if (attemptSignal.aborted) {
            attempts--;
            return stoppedBeforeSending();
          }
        }
        const attemptStart = Date.now();
        const budget = Math.min(plan.timeoutMs, deadlineAt - attemptStart);
        timer = setTimeout(stopBy(budget === plan.timeoutMs ? "attempt" : "deadline"), timerMs(budget));

        // Only the network is inside this try: a throwing hook or a bug below is not a network failure to retry.
        let response: Response | undefined;
        let text = "";
        let tooLarge: AnswerTooLarge | undefined;
        try {
          // `manual`: a redirect is an answer to refuse, never followed (it would carry the usersig and the body on).
          const answer = await settings.fetch(href, { method: request.method, headers: request.headers(), body: request.body, signal: attemptSignal, redirect: "manual" });
          if (answer.type !== "opaqueredirect" && !(answer.status >= 300 && answer.status < 400) && !answer.redirected) {
            try {
              text = await readAnswer(answer, settings.maxResponseBytes);
            } catch (e) {
              if (!(e instanceof AnswerTooLarge)) throw e;
              tooLarge = e;
            }
          } else {
            await discard(answer.body);
          }
          response = answer; // only once the whole body arrived
        } catch (thrown) {
          // The request had left: IM may have acted on it before the caller gave up.
          if (firedBy === "caller") return done(aborted("", true));
          if (firedBy) {
            failure = { kind: "timeout" };
            error = new TimTimeoutError(firedBy, firedBy === "attempt" ? plan.timeoutMs : deadlineMs!, details(), true);
            if (firedBy === "deadline") {
              applied = true;
              return done(error);
            }
          } else {
            const connectFailed = isConnectFailure(thrown);
            failure = { kind: "network", connectFailed };
            const cause = scrubCause(thrown, hidden());
            error = new TimNetworkError(cause.message, connectFailed, { ...details(), cause });
          }
        }

        if (response) {
          const answeredAt = Date.now();
          const redirected = response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400) || response.redirected;
          let parsed: unknown;
          if (response.status === 200 && !redirected && !tooLarge) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // handled below as an unparsable body
            }
          }
          const code = (parsed as { ErrorCode?: unknown } | null | undefined)?.ErrorCode;
          settings.onResponse?.({ ...event(), status: response.status, code: typeof code === "number" ? code : undefined, durationMs: answeredAt - attemptStart });
          // A proxy's error page or an odd body may quote the request URL: redact before keeping any of it.
          const snippet = () => scrub(text).slice(0, 200);
          if (redirected) {
            failure = { kind: "http", status: response.status };
            error = new TimHttpError(response.status, "", details(), scrub(locationOrigin(response, href)));
          } else if (response.status !== 200) {
            failure = { kind: "http", status: response.status };
            error = new TimHttpError(response.status, snippet(), details());
          } else if (tooLarge) {
            failure = { kind: "body" };
            error = new TimResponseError(`the response is larger than maxResponseBytes (${tooLarge.limit} bytes)`, "", details());
          } else if (!Number.isSafeInteger(code) || typeof parsed !== "object" || Array.isArray(parsed)) {
            failure = { kind: "body" };
            error = new TimResponseError("the response body is not an IM JSON result", snippet(), details());
          } else if (code === 0 || carriesItems(parsed as Record<string, unknown>, plan.itemsArray)) {
            return { ok: true, body: parsed as Record<string, unknown>, snippet, attempts, url, scrub, appliedEarlier: appliedBefore };
          } else {
            const info = (parsed as { ErrorInfo?: unknown }).ErrorInfo;
            const apiFailure = await apiError(operation, code as number, typeof info === "string" ? scrub(info) : "", details());
            failure = { kind: "api", retry: apiFailure.retry };
            error = apiFailure;
          }
          // Only a failure is retried, so only a failure's Retry-After is read.
          retryAfterMs = parseRetryAfter(response.headers, answeredAt);
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onCallerAbort);
        ticket?.cancel();
      }

      // Region failover: a DNS/connect failure on the primary host moves the call to the backup host, once, at once.
      if (failure!.kind === "network" && failure!.connectFailed && settings.backupOrigin && !failedOver) {
        failedOver = true;
        href = href.replace(ORIGIN, settings.backupOrigin);
        shown = undefined;
        settings.onRetry?.({ ...event(), delayMs: 0, error: error!, resign: false, failover: true });
        continue;
      }

      appliedBefore = applied;
      applied ||= mayHaveBeenApplied(failure!);
      const decision = decideRetry({
        failure: failure!,
        retriesUsed,
        maxRetries: plan.maxRetries,
        idempotent: plan.idempotent,
        canResign: !resigned && settings.resign !== undefined,
        retryAfterMs,
        random: Math.random,
      });
      if (!decision.retry) return done(error!);
      if (decision.delayMs > 0 && Date.now() + decision.delayMs >= deadlineAt) return done(error!); // no time left to wait
      settings.onRetry?.({ ...event(), delayMs: decision.delayMs, error: error!, resign: decision.resign === true, failover: false });
      appliedBefore = applied; // from now on, this attempt is one before the last
      if (decision.countsAsRetry) retriesUsed++;
      if (decision.resign) {
        resigned = true;
        const fresh = await waitForUserSig(settings.resign!(userSig), plan, details, applied).catch((e: TimError) => e);
        if (typeof fresh !== "string") return done(fresh);
        userSig = fresh;
        userSigs.push(fresh);
        const encoded = encodeURIComponent(fresh); // encoded as the query serializer does
        href = href.replace(USERSIG, (param, value: string) => param.slice(0, param.length - value.length) + encoded);
        shown = undefined;
      }
      if (decision.delayMs > 0) {
        try {
          await sleep(decision.delayMs, signal);
        } catch {
          return done(new TimAbortError(`${operation} aborted during a retry backoff`, { ...details(), cause: error }, applied));
        }
      }
    }
  } finally {
    ticket?.cancel();
  }
}
