/**
 * @module base64 — bytes → standard base64 on `btoa`, and the URL-safe alphabet Tencent's UserSig uses, for the
 * signer (usersig-token.ts). The way back, for the verifier, is base64-decode.ts: each lazily loaded part carries only
 * the half it uses.
 */

/** Standard base64 (`+ / =`) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // `fromCharCode.apply` in slices: one call per byte is slow, one call for everything can overflow the stack.
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/** Standard → UserSig alphabet: `+`→`*`, `/`→`-`, `=`→`_` (padding kept), as every official signer does (tencent-im.md §1.1 step 6). */
export function toUserSigAlphabet(base64: string): string {
  return base64.replaceAll("+", "*").replaceAll("/", "-").replaceAll("=", "_");
}
