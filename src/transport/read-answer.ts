/** @module read-answer — an answer's body as text, never more than `maxBytes` of it, however it is encoded. */

/** The answer was larger than allowed; reading stopped there. */
export class AnswerTooLarge {
  constructor(readonly limit: number) {}
}

const decoder = /* @__PURE__ */ new TextDecoder();

/**
 * Reads the body, counting the bytes fetch hands over, which are already decompressed: a small gzip or brotli answer
 * cannot inflate past `maxBytes` in memory. Rejects with `AnswerTooLarge` (the stream cancelled) once it would.
 */
export async function readAnswer(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  // No stream: an empty answer, or a fetch that returns a Response-like object of its own (read as it offers).
  if (!body) return response.text();
  // A declared length over the limit is refused before reading (a decompressed body can only be larger).
  if (Number(response.headers.get("content-length")) > maxBytes) {
    await body.cancel().catch(() => {});
    throw new AnswerTooLarge(maxBytes);
  }
  const reader = body.getReader();
  let first: Uint8Array | undefined;
  let chunks: Uint8Array[] | undefined;
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AnswerTooLarge(maxBytes);
    }
    // IM's answers are one chunk almost always: keep it as is, and join only when there are more.
    if (!first) first = value;
    else (chunks ??= [first]).push(value);
  }
  if (!chunks) return first ? decoder.decode(first) : "";
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(joined);
}
