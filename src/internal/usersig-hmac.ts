/**
 * @module usersig-hmac — the HMAC-SHA256 of a UserSig's fields (tencent-im.md §1.1 step 1), shared by the signer
 * (usersig-token.ts) and the verifier (verify-usersig.ts), both loaded on first use. WebCrypto comes from the caller
 * (usersig.ts checks it is there and says so in a typed error), so this module imports nothing the client loads up front.
 */

const encoder = /* @__PURE__ */ new TextEncoder();

/** Imported keys per secret, so repeated signing skips `importKey`. Small, because an app has one secret or a few. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 16;

/** The signature of a UserSig: HMAC-SHA256 of its fields, one `TLS.name:value` line each. */
export async function userSigHmac(
  subtle: () => SubtleCrypto,
  secretKey: string,
  identifier: string,
  sdkAppId: number,
  time: number,
  expire: number,
): Promise<Uint8Array<ArrayBuffer>> {
  // Every line ends in `\n`, including the last.
  const text = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  return new Uint8Array(await subtle().sign("HMAC", await importHmacKey(subtle, secretKey), encoder.encode(text)));
}

function importHmacKey(subtle: () => SubtleCrypto, secretKey: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secretKey);
  if (key === undefined) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.delete(hmacKeys.keys().next().value!);
    key = subtle().importKey("raw", encoder.encode(secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secretKey, key);
    // A failed import is not cached: the next call tries again.
    const failed = key;
    failed.catch(() => hmacKeys.get(secretKey) === failed && hmacKeys.delete(secretKey));
  }
  return key;
}
