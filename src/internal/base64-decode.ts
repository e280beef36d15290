/** @module base64-decode — UserSig alphabet → standard base64 → bytes on `atob`: base64.ts's way back, for the verifier. */

/** The bytes of standard base64; throws (`atob`'s `InvalidCharacterError`) on anything else. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** UserSig alphabet → standard base64. */
export function fromUserSigAlphabet(userSigBase64: string): string {
  return userSigBase64.replaceAll("*", "+").replaceAll("-", "/").replaceAll("_", "=");
}
