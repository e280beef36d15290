/** @module credentials — the client's UserSig: signed or fetched once, cached, shared by concurrent calls, renewed before expiry. */
import { DEFAULTS } from "./defaults.js";
import { TimAbortError, TimConfigError, TimError, TimTimeoutError, type TimErrorDetails } from "./errors.js";
import { assertOption } from "./internal/assert.js";
import { utf8ByteLength } from "./internal/utf8.js";
import { redact } from "./redact.js";
import { within } from "./transport/within.js";
import { genUserSig } from "./usersig.js";

/** A fixed UserSig, or a function that returns a fresh one (e.g. from your own signing service). */
export type UserSigSource = string | (() => string | Promise<string>);

/** What `createCredentials` needs; options.ts is the one gate, so these are already checked. */
export interface CredentialsOptions {
  sdkAppId: number;
  identifier: string;
  /** Give exactly one of `secretKey` and `userSig`. */
  secretKey?: string | undefined;
  userSig?: UserSigSource | undefined;
  /** @default 86400 */
  userSigTtlSeconds?: number;
  /** How long a `userSig` function (or signing) may take before its promise is dropped and the next call asks again. @default 5000 */
  timeoutMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

export interface Credentials {
  /** The current UserSig; obtained on first use, cached, renewed before expiry. Concurrent callers share one promise. */
  current(): Promise<string>;
  /** The current UserSig when it is at hand (settled and fresh), so a call need not wait for `current()`. */
  peek(): string | undefined;
  /**
   * A fresh UserSig after IM refused `refused` (70001/70052/10008). Concurrent callers share one renewal, and a caller
   * whose refused signature is already replaced gets the replacement: N calls refused together cause one renewal.
   */
  refresh(refused: string): Promise<string>;
  /** Whether refresh() can produce a different signature (secretKey or function source; false for a fixed string). */
  readonly canRefresh: boolean;
}

/** Renewal starts with this much validity left (at least), so a request never carries a signature about to lapse. */
export const MIN_RENEWAL_MARGIN_SECONDS = 60;

export function createCredentials(options: CredentialsOptions): Credentials {
  const { sdkAppId, identifier, secretKey, userSig, userSigTtlSeconds = DEFAULTS.userSigTtlSeconds, timeoutMs = DEFAULTS.timeoutMs, clock = Date.now } = options;
  if (typeof userSig === "string") {
    const fixed = Promise.resolve(userSig);
    return { current: () => fixed, peek: () => userSig, refresh: () => fixed, canRefresh: false };
  }

  // Renew with max(10 % of the TTL, 60 s) left; a function's result is trusted until refresh(), so it never lapses here.
  const validForMs =
    secretKey === undefined ? Infinity : (userSigTtlSeconds - Math.max(MIN_RENEWAL_MARGIN_SECONDS, userSigTtlSeconds / 10)) * 1000;
  let cached: Promise<string> | undefined;
  /** The value `cached` settled to, once it has. */
  let settled: string | undefined;
  let renewAt = 0;
  let renewing: Promise<string> | undefined;

  const obtain = async (issuedAtMs: number): Promise<string> => {
    let value: unknown;
    if (secretKey === undefined) {
      try {
        value = await userSig!();
      } catch (error) {
        // The app's function failed: one typed error that names the source, with the original as its cause.
        throw new TimConfigError("userSig", `\`userSig\` function failed: ${redact(String((error as Error)?.message ?? error))}`, { cause: error });
      }
    } else {
      value = await genUserSig({ sdkAppId, identifier, secretKey, expireSeconds: userSigTtlSeconds, now: Math.floor(issuedAtMs / 1000) });
    }
    // Well-formed too: a lone surrogate cannot be put in a URL (encodeURIComponent throws), nor match any signature.
    assertOption(typeof value === "string" && value !== "" && utf8ByteLength(value) !== undefined, "userSig", "function must resolve to a non-empty string of well-formed Unicode");
    return value;
  };

  const renew = (): Promise<string> => {
    const issuedAtMs = clock();
    // A source that never settles must not wedge the client: after `timeoutMs` its promise is dropped (and rejected
    // for those waiting on it), so the next call asks again.
    const pending = within(obtain(issuedAtMs), undefined, Date.now() + timeoutMs, () => new TimTimeoutError("userSig", timeoutMs, {}, false));
    renewAt = Infinity; // until it settles, current() hands out `pending` itself
    settled = undefined;
    pending.then(
      (value) => {
        if (cached !== pending) return;
        settled = value;
        renewAt = issuedAtMs + validForMs;
        renewing = undefined;
      },
      () => {
        // Don't cache a failure: the next call tries again. Callers awaiting `pending` still see the error.
        if (cached === pending) cached = renewing = undefined;
      },
    );
    return pending;
  };

  const renewOnce = (): Promise<string> => renewing ?? (renewing = cached = renew());

  return {
    // The hot path: one clock read and a comparison, returning the same settled promise; no allocation, no crypto.
    current: () => (cached !== undefined && clock() < renewAt ? cached : renewOnce()),
    peek: () => (settled !== undefined && clock() < renewAt ? settled : undefined),
    refresh: (refused) => (settled !== undefined && settled !== refused && cached !== undefined ? cached : renewOnce()),
    canRefresh: true,
  };
}

/**
 * The error a call reports when getting its UserSig failed: its own copy of the shared failure (many calls may await
 * one source), carrying this call's details. `sent`: whether an attempt of the call may have been applied already.
 */
export function userSigError(error: unknown, details: TimErrorDetails, sent: boolean): TimError {
  if (error instanceof TimTimeoutError && error.kind === "userSig") return new TimTimeoutError("userSig", error.limitMs, details, sent);
  if (error instanceof TimConfigError) return new TimConfigError(error.option, error.message, { ...details, cause: error.cause });
  if (error instanceof TimError) return error; // already this call's own (an abort, the deadline)
  return new TimConfigError("userSig", "`userSig` failed", { ...details, cause: error });
}

/**
 * A call's wait for a UserSig (the first, or a re-sign): `pending`, unless the call's signal, its deadline, or the
 * `timeoutMs` a source gets (credentials drop a source that outlives it) comes first. Every failure is the call's own
 * typed error; `sent`: whether an attempt of the call may have been applied already.
 */
export function waitForUserSig(
  pending: Promise<string>,
  call: { readonly signal: AbortSignal | undefined; readonly deadlineAt: number; readonly deadlineMs: number | undefined; readonly timeoutMs: number },
  details: () => TimErrorDetails,
  sent: boolean,
): Promise<string> {
  // Which bound ends the wait is decided here, not when the timer fires: a timer may fire a little early or late.
  const sourceLimit = Date.now() + call.timeoutMs;
  const deadlineFirst = call.deadlineAt <= sourceLimit;
  return within(pending, call.signal, deadlineFirst ? call.deadlineAt : sourceLimit, (why) =>
    why === "signal"
      ? new TimAbortError(`${details().operation} aborted while waiting for a UserSig`, { ...details(), cause: call.signal?.reason }, sent)
      : deadlineFirst
        ? new TimTimeoutError("deadline", call.deadlineMs!, details(), sent)
        : new TimTimeoutError("userSig", call.timeoutMs, details(), sent),
  ).catch((error: unknown) => {
    throw userSigError(error, details(), sent);
  });
}
