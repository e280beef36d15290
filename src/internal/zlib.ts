/** @module zlib — zlib (RFC 1950) streams of uncompressed stored blocks, for signing; inflate.ts reads any zlib stream. */

/** A stored deflate block holds at most 65535 bytes (its LEN field is 16 bits, RFC 1951 §3.2.4). */
const MAX_STORED_BLOCK_LENGTH = 0xffff;

/**
 * `data` as a valid zlib stream of stored (uncompressed) deflate blocks. This is what Tencent's Go signer sends
 * (`zlib.NoCompression`); for a ~200-byte UserSig document real compression would cost far more than it saves.
 */
export function zlibStore(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const blockCount = Math.max(1, Math.ceil(data.length / MAX_STORED_BLOCK_LENGTH));
  const output = new Uint8Array(2 + blockCount * 5 + data.length + 4);
  const view = new DataView(output.buffer);
  // CMF 0x78 = deflate with a 32 KiB window; FLG 0x01 = no dictionary, "fastest" level, and 0x7801 % 31 === 0 as required.
  output[0] = 0x78;
  output[1] = 0x01;
  let offset = 2;
  // Empty input still needs one (empty, final) block.
  for (let block = 1, start = 0; block <= blockCount; block++) {
    const length = Math.min(MAX_STORED_BLOCK_LENGTH, data.length - start);
    // Block header: BFINAL on the last block, BTYPE 00 (stored); then LEN and its one's complement NLEN, little-endian.
    output[offset] = block === blockCount ? 1 : 0;
    view.setUint16(offset + 1, length, true);
    view.setUint16(offset + 3, ~length & 0xffff, true);
    output.set(data.subarray(start, start + length), offset + 5);
    offset += 5 + length;
    start += length;
  }
  view.setUint32(offset, adler32(data)); // big-endian, RFC 1950 §2.2
  return output;
}

/** Adler-32 of `data` (RFC 1950 §8.2). */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
