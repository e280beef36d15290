/**
 * @module usersig-token — a signed UserSig document as the token IM reads: JSON, wrapped in a zlib stream of stored
 * blocks, in base64 with the UserSig alphabet (tencent-im.md §1.1 steps 4–6). Loaded by `genUserSig` on first use: a
 * client given a `userSig` (every browser app, unless it opts in to a secret key) never signs, so never loads it.
 */
import { bytesToBase64, toUserSigAlphabet } from "./base64.js";
import { zlibStore } from "./zlib.js";

const encoder = /* @__PURE__ */ new TextEncoder();

/** The token for `signature` (the HMAC of the same fields). */
export function encodeUserSig(identifier: string, sdkAppId: number, time: number, expire: number, signature: Uint8Array): string {
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
