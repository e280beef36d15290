/** The send limiter (src/rate-limit.ts) on a fake clock: pacing, FIFO in reservation order, aborts and cancels. */
import { describe, expect, it, vi } from "vitest";
import { createWindowLimiter, type Limiter } from "../src/rate-limit.js";
import { maxInWindow } from "./helpers/fault-server.js";

/** Runs `body` with fake timers and Date, giving it the limiter's clock. */
async function withFakeClock(body: (now: () => number) => Promise<void>) {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 1_000_000 });
  try {
    await body(() => Date.now());
  } finally {
    vi.useRealTimers();
  }
}
const take = (limiter: Limiter, signal?: AbortSignal) => limiter.reserve().wait(signal);
const grantTimes = (limiter: Limiter, count: number, start: number) => Array.from({ length: count }, () => take(limiter).then(() => Date.now() - start));

describe("createWindowLimiter", () => {
  it("spaces sends evenly: N + 1 of them always span more than a second, in FIFO order", async () => {
    await withFakeClock(async (now) => {
      const perSecond = 7;
      const limiter = createWindowLimiter(perSecond, now);
      const start = now();
      const order: number[] = [];
      const times = grantTimes(limiter, 3 * perSecond + 1, start).map((p, i) => p.then((t) => (order.push(i), t)));
      await vi.advanceTimersByTimeAsync(5_000);
      const granted = await Promise.all(times);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (let i = 0; i + perSecond < granted.length; i++) expect(granted[i + perSecond]! - granted[i]!).toBeGreaterThan(1_000);
      expect(maxInWindow(granted)).toBeLessThanOrEqual(perSecond);
      expect(granted.at(-1)!).toBeLessThan(3 * 1_100); // ~1.05 s per N: the pacing margin stays small
    });
  });

  it("serves reservations in the order they were taken, whenever their holders start waiting", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(100, now);
      const tickets = Array.from({ length: 5 }, () => limiter.reserve());
      const order: number[] = [];
      // The holders start waiting in reverse order (the first one is slowest, say waiting for its UserSig).
      const granted = [4, 3, 2, 1, 0].map((i) => tickets[i]!.wait().then(() => order.push(i)));
      await vi.advanceTimersByTimeAsync(200);
      expect(order).toEqual([0, 1, 2, 3, 4]);
      await Promise.all(granted);
    });
  });

  it("a holder not yet waiting keeps its turn without using a slot; a cancelled one gives it up", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(2, now); // one send per 525 ms
      const slow = limiter.reserve();
      const gone = limiter.reserve();
      const next = limiter.reserve().wait().then(() => now());
      await vi.advanceTimersByTimeAsync(1_000);
      let nextAt: number | undefined;
      void next.then((t) => (nextAt = t));
      await vi.advanceTimersByTimeAsync(0);
      expect(nextAt).toBeUndefined(); // behind `slow`, which holds the head
      gone.cancel();
      const start = now();
      const slowGranted = slow.wait();
      await vi.advanceTimersByTimeAsync(0);
      await slowGranted;
      await vi.advanceTimersByTimeAsync(2_000);
      expect((await next) - start).toBeLessThan(600); // one interval after `slow`, not two: `gone` used no slot
    });
  });

  it("an aborted waiter gives its turn to the next one", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(2, now);
      const start = now();
      const first = take(limiter);
      await vi.advanceTimersByTimeAsync(0);
      await first;
      const controller = new AbortController();
      const aborted = take(limiter, controller.signal).then(() => "granted", (reason: unknown) => reason);
      const next = take(limiter).then(() => now() - start);
      controller.abort("stop");
      expect(await aborted).toBe("stop");
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await next).toBeLessThan(600);
    });
  });

  it("an idle limiter does not bank sends for a later burst", async () => {
    await withFakeClock(async (now) => {
      const limiter = createWindowLimiter(4, now);
      await vi.advanceTimersByTimeAsync(10_000);
      const start = now();
      const times = grantTimes(limiter, 5, start);
      await vi.advanceTimersByTimeAsync(2_000);
      const granted = await Promise.all(times);
      expect(granted[4]! - granted[0]!).toBeGreaterThan(1_000);
    });
  });

  it("rejects at once with the reason of an already-aborted signal", async () => {
    const limiter = createWindowLimiter(1);
    await expect(take(limiter, AbortSignal.abort("gone"))).rejects.toBe("gone");
  });
});
