/** @module utf8 — exact UTF-8 and code-point counts for validation, without allocating. */

/**
 * The UTF-8 byte length of `value`, or `undefined` when it holds a lone surrogate. `TextEncoder` would silently
 * replace a lone surrogate with U+FFFD (3 bytes), so a string IM cannot store faithfully would pass a byte check.
 */
export function utf8ByteLength(value: string): number | undefined {
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
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
