/** @module utf8 — exact UTF-8 and code-point counts for validation, without allocating. */

const NON_ASCII = /[^\x00-\x7f]/;
const SURROGATE = /[\ud800-\udfff]/;

/**
 * The UTF-8 byte length of `value`, or `undefined` when it holds a lone surrogate. `TextEncoder` would silently
 * replace a lone surrogate with U+FFFD (3 bytes), so a string IM cannot store faithfully would pass a byte check.
 */
export function utf8ByteLength(value: string): number | undefined {
  // Fast path: pure ASCII is one byte per UTF-16 unit and cannot hold a surrogate (a regex test runs natively).
  if (!NON_ASCII.test(value)) return value.length;
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else return undefined;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return undefined;
    else bytes += 3;
  }
  return bytes;
}

/** The number of code points, which is what JSON Schema's `maxLength`/`minLength` count. */
export function codePointLength(value: string): number {
  if (!SURROGATE.test(value)) return value.length;
  let count = 0;
  // A string iterates by code point: a surrogate pair is one step, as is a lone surrogate.
  for (const _ of value) count++;
  return count;
}
