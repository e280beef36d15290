/** @module random — uint32s from the platform CSPRNG for IM's `random` query parameter. */

/** Drawn 256 at a time: one `getRandomValues` call each is ~100× dearer. */
const pool = new Uint32Array(256);
let left = 0;

export function randomUint32(): number {
  if (left === 0) {
    crypto.getRandomValues(pool);
    left = pool.length;
  }
  return pool[--left]!;
}
