/** @module read-answer — an answer's body as text, never more than `maxBytes` of it, however it is encoded. */

/** The answer was larger than allowed; reading stopped there. */
export class AnswerTooLarge {
  constructor(readonly limit: number) {}
}

const decoder = /* @__PURE__ */ new TextDecoder();
const encoder = /* @__PURE__ */ new TextEncoder();

/** A body as a custom fetch may hand it over: a web stream, a Node stream (node-fetch v2), or none. */
type AnyBody = { getReader?: () => ReadableStreamDefaultReader<unknown>; cancel?: () => Promise<void>; destroy?: () => void } & Partial<AsyncIterable<unknown>>;

/** A chunk as bytes: web streams give Uint8Array, Node streams Buffer (a Uint8Array) or, with an encoding set, strings. */
const bytesOf = (chunk: unknown): Uint8Array =>
  typeof chunk === "string" ? encoder.encode(chunk) : chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer);

/** Stops a body that will not be read (a redirect, an answer over the limit), whatever kind of stream it is. */
export async function discard(body: unknown): Promise<void> {
  const stream = body as AnyBody | null | undefined;
  try {
    if (typeof stream?.cancel === "function") await stream.cancel();
    else stream?.destroy?.();
  } catch {
    // already closed or errored: nothing left to stop
  }
}

/**
 * Reads the body, counting the bytes fetch hands over, which are already decompressed: a small gzip or brotli answer
 * cannot inflate past `maxBytes` in memory. Rejects with `AnswerTooLarge` (the stream stopped) once it would.
 */
export async function readAnswer(response: Response, maxBytes: number): Promise<string> {
  const body = response.body as AnyBody | null;
  // A declared length over the limit is refused before reading (a decompressed body can only be larger).
  if (Number(response.headers?.get?.("content-length")) > maxBytes) {
    await discard(body);
    throw new AnswerTooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  /** Keeps a chunk; false once the answer is over the limit. */
  const take = (chunk: unknown): boolean => {
    const bytes = bytesOf(chunk);
    size += bytes.byteLength;
    if (size > maxBytes) return false;
    chunks.push(bytes);
    return true;
  };
  if (typeof body?.getReader === "function") {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!take(value)) {
        await reader.cancel().catch(() => {});
        throw new AnswerTooLarge(maxBytes);
      }
    }
  } else if (body && typeof body[Symbol.asyncIterator] === "function") {
    // A Node stream (node-fetch v2 and other fetch look-alikes): read as it iterates, to the same bound.
    for await (const chunk of body as AsyncIterable<unknown>) {
      if (!take(chunk)) {
        await discard(body);
        throw new AnswerTooLarge(maxBytes);
      }
    }
  } else {
    // No stream: an empty answer, or a Response-like object of a custom fetch that offers only text(). It cannot be
    // read to a bound, but a text over the limit is still refused.
    const text = typeof response.text === "function" ? await response.text() : "";
    if (encoder.encode(text).byteLength > maxBytes) throw new AnswerTooLarge(maxBytes);
    return text;
  }
  // IM's answers are one chunk almost always: decoded as is, joined only when there are more.
  if (chunks.length <= 1) return chunks[0] ? decoder.decode(chunks[0]) : "";
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(joined);
}
