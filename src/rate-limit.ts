/** @module rate-limit — at most N sends of an operation in any 1-second window, shared by every call of a client. */

/**
 * Slack in the spacing: N + 1 sends always span at least 1 s + MARGIN_MS − 1 ms, so the server still counts ≤ N per
 * second when one request reaches it up to ~20 ms later than one sent a second after it (a GC pause, a busy loop); it
 * was 50 ms, which capped a bulk import at 95.2 % of the limit before any loss, under the 95 % it must sustain.
 */
const MARGIN_MS = 20;
/** Below MARGIN_MS, so catching up on a late timer never lets N + 1 sends into one second. */
const MAX_LAG_MS = 2;

/** A place in the queue, taken in call order; the slot is granted only once its holder waits for it. */
export interface Ticket {
  /** Resolves when this ticket's turn has come and a slot is free; rejects with the reason when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void>;
  /** Gives the place up (the call ended without sending); the next ticket moves up. */
  cancel(): void;
}

export interface Limiter {
  /** A ticket at the back of the queue: taking it is synchronous, so calls are served in the order they were made. */
  reserve(): Ticket;
}

/**
 * Paces sends evenly, (1 s + MARGIN_MS) / N apart, in FIFO order, rather than letting N go at once and then pausing.
 * Bursts meet the limit at the client but not at the server: a burst's N requests open N connections and arrive
 * spread over tens to hundreds of ms, the next burst reuses those connections and arrives at once, and the server
 * counts more than N in one second (397 in a 1 s window at 200/s on the loopback test server). Evenly spaced requests
 * travel alone and arrive evenly. A lone call waits only for the next timer tick.
 *
 * The order is the order of `reserve()` calls, whatever each call awaits before it sends (a UserSig, a signal): a
 * ticket whose holder is not yet waiting holds the head of the queue rather than lose its turn. A slot is granted
 * only to a waiting holder, so sends never bunch up behind a slow one. Grants happen in a timer task, never in the
 * caller's microtask: the caller resumes (and sends) right after the grant instead of behind other calls' microtasks.
 */
export function createWindowLimiter(perSecond: number, now: () => number = () => performance.now()): Limiter {
  const interval = (1000 + MARGIN_MS) / perSecond;
  /** How late a timer may fire without the schedule slipping: timers fire a millisecond or more late. */
  const lag = Math.min(MAX_LAG_MS, interval / 2);
  interface Place {
    grant?: () => void;
    gone?: boolean;
  }
  const queue: Place[] = [];
  let next = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = () => {
    if (timer === undefined && queue.length) timer = setTimeout(pump, Math.max(0, next - now()));
  };
  const pump = () => {
    timer = undefined;
    // max(…, t − lag): a timer that fires up to `lag` late does not push every later send back (no drift), and an
    // idle limiter does not bank sends for later (no burst). N + 1 sends still span ≥ 1 s + MARGIN_MS − lag.
    for (let t = now(); queue.length && t >= next; ) {
      const head = queue[0]!;
      if (head.gone) {
        queue.shift();
        continue;
      }
      if (!head.grant) return; // its holder is not waiting yet: wait() schedules again
      queue.shift();
      head.grant();
      next = Math.max(next, t - lag) + interval;
    }
    schedule();
  };

  return {
    reserve() {
      const place: Place = {};
      queue.push(place);
      return {
        wait: (signal) =>
          new Promise<void>((resolve, reject) => {
            const onAbort = () => {
              place.gone = true;
              reject(signal!.reason);
              schedule();
            };
            if (signal?.aborted) return onAbort();
            signal?.addEventListener("abort", onAbort, { once: true });
            place.grant = () => {
              signal?.removeEventListener("abort", onAbort);
              resolve();
            };
            schedule();
          }),
        cancel() {
          if (place.gone) return;
          place.gone = true;
          schedule();
        },
      };
    },
  };
}
