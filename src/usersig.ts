/** @module usersig — Tencent Cloud IM UserSig (TLS sig v2, HMAC-SHA256) signing and verification on WebCrypto. */
import { assertInteger, assertOption } from "./internal/assert.js";
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

const encoder = /* @__PURE__ */ new TextEncoder();

/** Imported keys per secret, so repeated signing skips `importKey`. Small, because an app has one secret or a few. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 16;

/** The token encoder (internal/usersig-token.ts), loaded by the first signature; like the verifier, it imports nothing the client loads up front. */
let tokenEncoder: Promise<typeof import("./internal/usersig-token.js")> | undefined;

/** Signs a UserSig exactly as Tencent's signers do (tencent-im.md §1.1), with an uncompressed zlib body. */
export async function genUserSig(options: GenUserSigOptions): Promise<string> {
  const { sdkAppId, secretKey, identifier, expireSeconds, now = currentUnixSeconds() } = options;
  assertIdentityOptions(sdkAppId, identifier);
  assertSecretKey(secretKey);
  assertInteger(expireSeconds, "expireSeconds", 1);
  assertInteger(now, "now", 0);
  const loading = (tokenEncoder ??= import("./internal/usersig-token.js"));
  // A failed load is not kept: the next signature tries again.
  loading.catch(() => tokenEncoder === loading && (tokenEncoder = undefined));
  const signature = await hmac(secretKey, identifier, sdkAppId, now, expireSeconds);
  return (await loading).encodeUserSig(identifier, sdkAppId, now, expireSeconds, signature);
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
  // The verifier gets the HMAC as a function rather than importing this module: a lazy chunk that imports modules of
  // the client's initial load makes the bundler split those into a shared chunk, a second file that costs ~800 B gzip.
  return verifyUserSigNow(userSig, sdkAppId, identifier, now, (time, expire) => hmac(secretKey, identifier, sdkAppId, time, expire));
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

/** The signature of a UserSig: HMAC-SHA256 of its fields, one `TLS.name:value` line each (tencent-im.md §1.1 step 1). */
async function hmac(secretKey: string, identifier: string, sdkAppId: number, time: number, expire: number): Promise<Uint8Array<ArrayBuffer>> {
  // Every line ends in `\n`, including the last.
  const text = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  return new Uint8Array(await subtleCrypto().sign("HMAC", await importHmacKey(secretKey), encoder.encode(text)));
}

function importHmacKey(secretKey: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secretKey);
  if (key === undefined) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.delete(hmacKeys.keys().next().value!);
    key = subtleCrypto().importKey("raw", encoder.encode(secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secretKey, key);
    // A failed import is not cached: the next call tries again.
    const failed = key;
    failed.catch(() => hmacKeys.get(secretKey) === failed && hmacKeys.delete(secretKey));
  }
  return key;
}

function subtleCrypto(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  assertOption(subtle, "secretKey", "needs WebCrypto (`globalThis.crypto.subtle`) to sign or verify UserSigs, and this runtime has none (browsers offer it only on HTTPS pages)");
  return subtle;
}

function currentUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
