/**
 * @module verify-usersig — the UserSig verifier, loaded by `verifyUserSig` on first use. It imports no module the
 * client loads up front (see `verifyUserSig`): the options come checked and WebCrypto comes from the caller.
 */
import type { VerifyUserSigResult } from "../usersig.js";
import { base64ToBytes, fromUserSigAlphabet } from "./base64-decode.js";
import { zlibInflate } from "./inflate.js";
import { userSigHmac } from "./usersig-hmac.js";

const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });

/** Far longer than any UserSig (~250 characters); bounds what a hostile token can inflate to (deflate tops out near 1000:1). */
const MAX_USERSIG_LENGTH = 4096;

/**
 * Checks a UserSig as Tencent's Go `VerifyUserSig` does: SDKAppID, then identifier, then expiry (`now > time + expire`),
 * then the HMAC with `secretKey`. Never throws for a bad token. A
 * PrivateMapKey (a token with `TLS.userbuf`) is not a UserSig and fails as `bad-signature`.
 */
export async function verifyUserSigNow(
  userSig: string,
  sdkAppId: number,
  identifier: string,
  now: number,
  secretKey: string,
  subtle: () => SubtleCrypto,
): Promise<VerifyUserSigResult> {
  const failure = (reason: (VerifyUserSigResult & { ok: false })["reason"], message: string): VerifyUserSigResult => ({
    ok: false,
    reason,
    message: `UserSig ${message}`,
  });

  if (typeof userSig !== "string" || userSig.length > MAX_USERSIG_LENGTH) {
    return failure("corrupt", `is not a string of at most ${MAX_USERSIG_LENGTH} characters.`);
  }
  // Say which decoding step failed: the reason is the same for all, the message helps a human.
  let failedStep = "is not base64 in the UserSig alphabet.";
  let document: Record<string, unknown> | null;
  try {
    const compressed = base64ToBytes(fromUserSigAlphabet(userSig));
    failedStep = "is not a complete zlib stream.";
    const json = zlibInflate(compressed);
    failedStep = "does not hold a UTF-8 JSON document.";
    document = JSON.parse(decoder.decode(json));
  } catch {
    return failure("corrupt", failedStep);
  }
  const signedIdentifier = document?.["TLS.identifier"];
  const signedSdkAppId = document?.["TLS.sdkappid"];
  const time = document?.["TLS.time"];
  const expire = document?.["TLS.expire"];
  const encodedSignature = document?.["TLS.sig"];
  const hasFields =
    typeof signedIdentifier === "string" &&
    typeof encodedSignature === "string" &&
    [signedSdkAppId, time, expire].every(Number.isSafeInteger);
  let signature: Uint8Array<ArrayBuffer> | undefined;
  try {
    if (hasFields) signature = base64ToBytes(encodedSignature);
  } catch {}
  if (signature === undefined) {
    return failure("corrupt", "lacks a string TLS.identifier, a base64 TLS.sig, or an integer TLS.sdkappid, TLS.time or TLS.expire.");
  }
  const issuedAt = time as number;
  const expireSeconds = expire as number;
  const expiresAt = issuedAt + expireSeconds;

  if (signedSdkAppId !== sdkAppId) return failure("wrong-sdkappid", `is for SDKAppID ${signedSdkAppId}, not ${sdkAppId}.`);
  if (signedIdentifier !== identifier) {
    return failure("wrong-identifier", `is for identifier ${JSON.stringify(signedIdentifier)}, not ${JSON.stringify(identifier)}.`);
  }
  if (now > expiresAt) return failure("expired", `expired at ${expiresAt} (Unix seconds); now is ${now}.`);
  const matches = equalInConstantTime(await userSigHmac(subtle, secretKey, identifier, sdkAppId, issuedAt, expireSeconds), signature);
  if (!matches) return failure("bad-signature", "signature does not match: another secret key, or altered fields.");
  return { ok: true, sdkAppId, identifier, issuedAt, expireSeconds, expiresAt };
}


/**
 * Compares MACs without an early exit, so the time taken does not reveal how many leading bytes matched.
 * (`subtle.verify` would do this too, but WebCrypto does not promise constant time in every runtime.)
 */
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i] ?? 0);
  return difference === 0;
}
