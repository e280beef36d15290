/** @module within — waiting for something (a UserSig, a re-sign) no longer than the caller's signal and a time limit allow. */

/**
 * `promise`, unless `signal` aborts or the clock reaches `untilMs` first: then the rejection `stopped` builds. The work
 * itself is not cancelled, only no longer awaited.
 */
export function within<T>(promise: Promise<T>, signal: AbortSignal | undefined, untilMs: number, stopped: (why: "signal" | "time") => Error): Promise<T> {
  if (!signal && untilMs === Infinity) return promise; // the common case allocates nothing
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      settle();
      reject(stopped("signal"));
    };
    // Handled first, whatever happens next: a promise given up on may still reject later, and must not go unhandled.
    promise.then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (untilMs !== Infinity) {
      timer = setTimeout(() => {
        settle();
        reject(stopped("time"));
      }, timerMs(untilMs - Date.now()));
    }
  });
}

/** Node (and browsers) fire a setTimeout above 2^31 − 1 ms at once. */
export const timerMs = (ms: number) => Math.max(0, Math.min(ms, 2 ** 31 - 1));
