/**
 * @module usersig-token — the signer: a UserSig's fields, their HMAC, and the token IM reads (JSON, wrapped in a zlib
 * stream of stored blocks, in base64 with the UserSig alphabet; tencent-im.md §1.1 steps 1–6). Loaded by `genUserSig`
 * on first use: a client given a `userSig` (every browser app, unless it opts in to a secret key) never signs, so
 * never loads it. Its options come checked (usersig.ts), so it imports nothing the client loads up front.
 */
import { bytesToBase64, toUserSigAlphabet } from "./base64.js";
import { userSigHmac } from "./usersig-hmac.js";
import { zlibStore } from "./zlib.js";

const encoder = /* @__PURE__ */ new TextEncoder();

/** A UserSig for these (checked) fields, signed with `secretKey`. */
export async function signUserSig(subtle: () => SubtleCrypto, secretKey: string, identifier: string, sdkAppId: number, time: number, expire: number): Promise<string> {
  const signature = await userSigHmac(subtle, secretKey, identifier, sdkAppId, time, expire);
  // The node signer's key order (tencent-im.md §1.1 step 4); the server parses the JSON, so the order is cosmetic.
  const document = JSON.stringify({
    "TLS.ver": "2.0",
    "TLS.identifier": identifier,
    "TLS.sdkappid": sdkAppId,
    "TLS.time": time,
    "TLS.expire": expire,
    "TLS.sig": bytesToBase64(signature),
  });
  return toUserSigAlphabet(bytesToBase64(zlibStore(encoder.encode(document))));
}
