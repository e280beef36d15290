/** @module inflate — a small pure-JS zlib inflate, for verifying UserSigs in every runtime. */
import { adler32 } from "./zlib.js";

// RFC 1951 §3.2.5 tables: base values and extra bits of length codes 257–285 and distance codes 0–29.
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
// The order in which code-length code lengths are sent (§3.2.7).
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

function huffman(lengths: ArrayLike<number>): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 16; len++) offsets[len] = offsets[len - 1]! + counts[len - 1]!;
  const symbols = new Uint16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  return { counts, symbols };
}

/**
 * Inflates a zlib stream (RFC 1950 around RFC 1951: stored, fixed and dynamic Huffman blocks) in plain JS, so
 * verification works where `DecompressionStream` is missing (edge-runtime) and fails the same way everywhere.
 * Throws on a bad header, truncation, trailing bytes or a wrong Adler-32.
 */
export function zlibInflate(data: Uint8Array): Uint8Array {
  const fail = (what: string): never => {
    throw new Error(`zlib: ${what}`);
  };
  if (data.length < 6 || (data[0]! & 0x0f) !== 8 || ((data[0]! << 8) | data[1]!) % 31 !== 0 || data[1]! & 0x20) {
    fail("not a zlib header");
  }
  let pos = 2;
  let bitBuffer = 0;
  let bitCount = 0;
  const bits = (n: number): number => {
    while (bitCount < n) {
      if (pos >= data.length) fail("truncated");
      bitBuffer |= data[pos++]! << bitCount;
      bitCount += 8;
    }
    const value = bitBuffer & ((1 << n) - 1);
    bitBuffer >>>= n;
    bitCount -= n;
    return value;
  };
  const decode = ({ counts, symbols }: Huffman): number => {
    // Walk the canonical code one bit at a time (as zlib's "puff" does): small and exact.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = counts[len]!;
      if (code - first < count) return symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail("bad Huffman code");
  };

  let out = new Uint8Array(Math.max(64, data.length * 4));
  let size = 0;
  const push = (byte: number) => {
    if (size === out.length) {
      const grown = new Uint8Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[size++] = byte;
  };

  let final = 0;
  while (!final) {
    final = bits(1);
    const type = bits(2);
    if (type === 0) {
      bitBuffer = bitCount = 0; // stored blocks start on a byte boundary
      if (pos + 4 > data.length) fail("truncated");
      const length = data[pos]! | (data[pos + 1]! << 8);
      if ((length ^ (data[pos + 2]! | (data[pos + 3]! << 8))) !== 0xffff) fail("stored block length check");
      pos += 4;
      if (pos + length > data.length) fail("truncated");
      for (let i = 0; i < length; i++) push(data[pos++]!);
      continue;
    }
    let literals: Huffman;
    let distances: Huffman;
    if (type === 1) {
      const fixed = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280);
      literals = huffman(fixed);
      distances = huffman(new Uint8Array(30).fill(5));
    } else if (type === 2) {
      const literalCount = bits(5) + 257;
      const distanceCount = bits(5) + 1;
      const codeLengthCount = bits(4) + 4;
      const codeLengths = new Uint8Array(19);
      for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = bits(3);
      const lengthCode = huffman(codeLengths);
      const lengths = new Uint8Array(literalCount + distanceCount);
      for (let i = 0; i < lengths.length; ) {
        const symbol = decode(lengthCode);
        if (symbol < 16) lengths[i++] = symbol;
        else {
          const [repeatBits, repeatBase, value] = symbol === 16 ? [2, 3, i ? lengths[i - 1]! : fail("repeat with no length")] : symbol === 17 ? [3, 3, 0] : [7, 11, 0];
          const repeat = repeatBase + bits(repeatBits);
          if (i + repeat > lengths.length) fail("too many code lengths");
          lengths.fill(value, i, i + repeat);
          i += repeat;
        }
      }
      literals = huffman(lengths.subarray(0, literalCount));
      distances = huffman(lengths.subarray(literalCount));
    } else {
      return fail("reserved block type");
    }
    for (;;) {
      const symbol = decode(literals);
      if (symbol < 256) push(symbol);
      else if (symbol === 256) break;
      else {
        const lengthIndex = symbol - 257;
        if (lengthIndex >= 29) fail("bad length code");
        const length = LENGTH_BASE[lengthIndex]! + bits(LENGTH_EXTRA[lengthIndex]!);
        const distanceIndex = decode(distances);
        if (distanceIndex >= 30) fail("bad distance code");
        const distance = DIST_BASE[distanceIndex]! + bits(distanceIndex < 4 ? 0 : (distanceIndex >> 1) - 1);
        if (distance > size) fail("distance too far back");
        for (let i = 0; i < length; i++) push(out[size - distance]!);
      }
    }
  }
  const result = out.slice(0, size);
  if (pos + 4 !== data.length) fail(pos + 4 > data.length ? "truncated" : "trailing bytes");
  const expected = ((data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!) >>> 0;
  if (adler32(result) !== expected) fail("Adler-32 mismatch");
  return result;
}
