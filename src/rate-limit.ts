/** @module rate-limit — at most N sends of an operation in any 1-second window, shared by every call of a client. */

/**
 * Slack in the spacing: N + 1 sends always span at least 1 s + MARGIN_MS − 1 ms, so the server still counts ≤ N per
 * second when one request reaches it up to ~50 ms later than one sent a second after it (connection setup, a GC pause).
 */
const MARGIN_MS = 50;

/**
 * Paces sends evenly, (1 s + MARGIN_MS) / N apart, in FIFO order, rather than letting N go at once and then pausing.
 * Bursts meet the limit at the client but not at the server: a burst's N requests open N connections and arrive
 * spread over tens to hundreds of ms, the next burst reuses those connections and arrives at once, and the server
 * counts more than N in one second (397 in a 1 s window at 200/s on the loopback test server). Evenly spaced requests
 * travel alone and arrive evenly. A lone call waits only for the next timer tick.
 *
 * Slots are granted in a timer task, never in the caller's microtask: the caller resumes (and sends) right after the
 * grant instead of behind every other call's queued microtasks. A waiter whose signal aborts leaves without a slot.
 */
export function createWindowLimiter(perSecond: number, now: () => number = () => performance.now()): (signal?: AbortSignal) => Promise<void> {
  const interval = (1000 + MARGIN_MS) / perSecond;
  const waiters: (() => boolean)[] = [];
  let next = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const pump = () => {
    timer = undefined;
    // max(…, t − 1): a timer up to 1 ms late does not push every later send back (no drift); an idle limiter
    // does not bank sends for later (no burst).
    for (const t = now(); waiters.length && t >= next; ) if (waiters.shift()!()) next = Math.max(next, t - 1) + interval;
    if (waiters.length) timer = setTimeout(pump, next - now());
  };

  return (signal) =>
    new Promise((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      // Called at the waiter's turn: false (and no slot used) if it was aborted meanwhile.
      waiters.push(() => (signal?.removeEventListener("abort", onAbort), !signal?.aborted && (resolve(), true)));
      timer ??= setTimeout(pump, next - now());
    });
}
