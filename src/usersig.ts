/** @module usersig — Tencent Cloud IM UserSig (TLS sig v2, HMAC-SHA256) signing and verification on WebCrypto. */
import { TimConfigError } from "./errors.js";
import { assertInteger, assertOption } from "./internal/assert.js";
import { lazy } from "./internal/lazy.js";
import { utf8ByteLength } from "./internal/utf8.js";

export interface GenUserSigOptions {
  /** The application's SDKAppID from the IM console. */
  sdkAppId: number;
  /** The console secret key, used as typed (its UTF-8 bytes are the HMAC key; it is not hex-decoded). */
  secretKey: string;
  /** The UserID the signature is for; for REST calls, an App admin account. */
  identifier: string;
  /** Validity in seconds from `now`. IM recommends at least a day (error 70001). @example 86400 */
  expireSeconds: number;
  /** Issue time in Unix seconds. @default Math.floor(Date.now() / 1000) */
  now?: number;
}

export interface VerifyUserSigOptions {
  /** The SDKAppID the signature must be for. */
  sdkAppId: number;
  /** The secret key it must be signed with. */
  secretKey: string;
  /** The UserID it must be for. */
  identifier: string;
  /** The time to check expiry against, in Unix seconds. @default Math.floor(Date.now() / 1000) */
  now?: number;
}

export type VerifyUserSigResult =
  | { ok: true; sdkAppId: number; identifier: string; issuedAt: number; expireSeconds: number; expiresAt: number }
  | {
      ok: false;
      /** The first check that failed, in Tencent's order (Go `VerifyUserSig`), plus `corrupt` for anything undecodable. */
      reason: "corrupt" | "wrong-sdkappid" | "wrong-identifier" | "expired" | "bad-signature";
      message: string;
    };

/** The signer (internal/usersig-token.ts), loaded by the first signature; like the verifier, it imports nothing the client loads up front. */
const signer = lazy(() => import("./internal/usersig-token.js"));

/** Signs a UserSig exactly as Tencent's signers do (tencent-im.md §1.1), with an uncompressed zlib body. */
export async function genUserSig(options: GenUserSigOptions): Promise<string> {
  const { sdkAppId, secretKey, identifier, expireSeconds, now = currentUnixSeconds() } = options;
  assertIdentityOptions(sdkAppId, identifier);
  assertSecretKey(secretKey);
  assertInteger(expireSeconds, "expireSeconds", 1);
  assertInteger(now, "now", 0);
  const module = await signer().catch((error: unknown) => {
    // A chunk that did not arrive (a network blip in a browser) is not a bad key: said as what it is, tried again next time.
    throw new TimConfigError("secretKey", "the UserSig signer could not be loaded", { cause: error });
  });
  return module.signUserSig(subtleCrypto, secretKey, identifier, sdkAppId, now, expireSeconds);
}

/**
 * Checks a UserSig as Tencent's Go `VerifyUserSig` does: SDKAppID, then identifier, then expiry (`now > time + expire`),
 * then the HMAC. Never throws for a bad token, only for bad options. The verifier (with its inflate) is loaded on
 * first use: clients sign but never verify, so it stays out of their bundle.
 */
export async function verifyUserSig(userSig: string, options: VerifyUserSigOptions): Promise<VerifyUserSigResult> {
  const { sdkAppId, secretKey, identifier, now = currentUnixSeconds() } = options;
  assertIdentityOptions(sdkAppId, identifier);
  assertSecretKey(secretKey);
  assertInteger(now, "now", 0);
  const { verifyUserSigNow } = await import("./internal/verify-usersig.js");
  // WebCrypto is passed in rather than the verifier importing this module: a lazy chunk that imports modules of the
  // client's initial load makes the bundler split those into a shared chunk, a second file that costs ~800 B gzip.
  return verifyUserSigNow(userSig, sdkAppId, identifier, now, secretKey, subtleCrypto);
}

/** @internal Validates `sdkAppId` and `identifier` (throws `TimConfigError`); createClient's options are checked with it too. */
export function assertIdentityOptions(sdkAppId: unknown, identifier: unknown): void {
  assertInteger(sdkAppId, "sdkAppId", 1);
  // A lone surrogate would reach the HMAC as U+FFFD but the JSON as `\udXXX`, so no verifier could match it.
  assertOption(typeof identifier === "string" && identifier !== "" && utf8ByteLength(identifier) !== undefined, "identifier", "must be a non-empty string of well-formed Unicode");
}

/** @internal */
export function assertSecretKey(secretKey: unknown): void {
  assertOption(typeof secretKey === "string" && secretKey !== "", "secretKey", "must be a non-empty string");
}

function subtleCrypto(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  assertOption(subtle, "secretKey", "needs WebCrypto (`globalThis.crypto.subtle`) to sign or verify UserSigs, and this runtime has none (browsers offer it only on HTTPS pages)");
  return subtle;
}

function currentUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
