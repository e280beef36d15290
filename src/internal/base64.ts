/** @module base64 — bytes ↔ standard base64 on `btoa`/`atob`, and the URL-safe alphabet Tencent's UserSig uses. */

/** Standard base64 (`+ / =`) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // `fromCharCode.apply` in slices: one call per byte is slow, one call for everything can overflow the stack.
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/** The bytes of standard base64; throws (`atob`'s `InvalidCharacterError`) on anything else. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard → UserSig alphabet: `+`→`*`, `/`→`-`, `=`→`_` (padding kept), as every official signer does (tencent-im.md §1.1 step 6). */
export function toUserSigAlphabet(base64: string): string {
  return base64.replaceAll("+", "*").replaceAll("/", "-").replaceAll("=", "_");
}

/** UserSig alphabet → standard base64. */
export function fromUserSigAlphabet(userSigBase64: string): string {
  return userSigBase64.replaceAll("*", "+").replaceAll("-", "/").replaceAll("_", "=");
}
