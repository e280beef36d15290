/** @module credentials — the client's UserSig: signed or fetched once, cached, shared by concurrent calls, renewed before expiry. */
import { assertOption } from "./errors.js";
import { genUserSig } from "./usersig.js";

/** A fixed UserSig, or a function that returns a fresh one (e.g. from your own signing service). */
export type UserSigSource = string | (() => string | Promise<string>);

/** Options as `resolveOptions` checked them (options.ts is the one gate, so a bad option is a `TimConfigError`). */
export interface CredentialsOptions {
  sdkAppId: number;
  /** The App admin account the UserSig is for. */
  identifier: string;
  /** Sign locally with this secret. Give exactly one of `secretKey` and `userSig`. */
  secretKey?: string;
  /** Use this UserSig, or call this function for one (on first use and on `refresh()`). */
  userSig?: UserSigSource;
  /** Validity of the signatures made with `secretKey`, in seconds; more than the 60 s renewal margin. @default 86400 */
  userSigTtlSeconds?: number;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

export interface Credentials {
  /** The current UserSig; generated/fetched on first use, cached, renewed before expiry. Concurrent callers share one in-flight promise. */
  current(): Promise<string>;
  /** Forget the cached signature and get a fresh one (after IM answered 70001/70052). */
  refresh(): Promise<string>;
  /** Whether refresh() can produce a different signature (secretKey or function source; false for a fixed string). */
  readonly canRefresh: boolean;
}

/** Renewal starts with this much validity left (at least), so a request never carries a signature about to lapse. */
export const MIN_RENEWAL_MARGIN_SECONDS = 60;

export function createCredentials(options: CredentialsOptions): Credentials {
  const { sdkAppId, identifier, secretKey, userSig, userSigTtlSeconds = 86_400, clock = Date.now } = options;
  if (typeof userSig === "string") {
    const fixed = Promise.resolve(userSig);
    return { current: () => fixed, refresh: () => fixed, canRefresh: false };
  }

  // Renew with max(10 % of the TTL, 60 s) left; a function's result is trusted until refresh(), so it never lapses here.
  const validForMs =
    secretKey === undefined
      ? Infinity
      : (userSigTtlSeconds - Math.max(MIN_RENEWAL_MARGIN_SECONDS, userSigTtlSeconds / 10)) * 1000;
  let cached: Promise<string> | undefined;
  let renewAt = 0;
  let renewing: Promise<string> | undefined;

  const obtain = async (issuedAtMs: number): Promise<string> => {
    const value =
      secretKey === undefined
        ? await userSig!()
        : await genUserSig({ sdkAppId, identifier, secretKey, expireSeconds: userSigTtlSeconds, now: Math.floor(issuedAtMs / 1000) });
    assertOption(typeof value === "string" && value !== "", "userSig", "function must return (or resolve to) a non-empty string");
    return value;
  };

  const renew = (): Promise<string> => {
    const issuedAtMs = clock();
    const pending = obtain(issuedAtMs);
    renewAt = Infinity; // until it settles, current() hands out `pending` itself
    pending.then(
      () => {
        renewAt = issuedAtMs + validForMs;
        renewing = undefined;
      },
      () => {
        // Don't cache a failure: the next call tries again. Callers awaiting `pending` still see the error.
        cached = renewing = undefined;
      },
    );
    return pending;
  };

  // A renewal already in flight is fresh enough: N requests failing with 70001 together cause one renewal.
  const refresh = (): Promise<string> => renewing ?? (renewing = cached = renew());

  return {
    // The hot path: one clock read and a comparison, returning the same settled promise; no allocation, no crypto.
    current: () => (cached !== undefined && clock() < renewAt ? cached : refresh()),
    refresh,
    canRefresh: true,
  };
}
