/** @module rate-limit — at most N sends of an operation in any 1-second window, shared by every call of a client. */
import { sleep } from "./internal/sleep.js";

const WINDOW_MS = 1000;

/**
 * A token bucket whose tokens come back exactly one window after they were spent (a sliding-window log in a ring of
 * N timestamps). A plain refilling bucket would allow N + N·1 s = 2N in a window after an idle period; this allows N.
 * Slots are reserved synchronously, in call order, so concurrent callers never race for the same token.
 */
export function createWindowLimiter(perSecond: number, now: () => number = Date.now): (signal?: AbortSignal) => Promise<void> {
  const sent = new Array<number>(perSecond).fill(-Infinity);
  let next = 0;
  return (signal) => {
    const current = now();
    // +1 ms: timers and Date.now() are millisecond-granular, and a slot exactly one window later would share its edge.
    const at = Math.max(current, sent[next]! + WINDOW_MS + 1);
    sent[next] = at;
    next = (next + 1) % perSecond;
    return at > current ? sleep(at - current, signal) : Promise.resolve();
  };
}
