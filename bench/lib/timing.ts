/**
 * @module bench/lib/timing — a tiny timing helper (no tinybench/mitata): closed-loop throughput at a fixed concurrency
 * for a time budget, tight-loop per-op timing, and medians.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ThroughputRound {
  calls: number;
  ms: number;
  /** calls per second */
  rate: number;
  /**
   * The client's CPU cost per call, in µs: the main thread's CPU time per call (`process.threadCpuUsage` on Node ≥ 22.19,
   * else Linux's /proc/self/task/<pid>/schedstat). It does not count time the thread was descheduled, so it is far less
   * sensitive to other load than calls/s. Without either it falls back to event-loop busy time (ELU × wall time).
   */
  cpuUsPerCall: number;
}

type CpuUsage = { user: number; system: number };
const threadCpuUsage = (process as unknown as { threadCpuUsage?: (previous?: CpuUsage) => CpuUsage }).threadCpuUsage;
/** The main thread's on-CPU time in ns from Linux's schedstat (the main thread's TID is the PID), when readable. */
const schedstatFile = `/proc/self/task/${process.pid}/schedstat`;
const readSchedstat = (): number | undefined => {
  try {
    const ns = Number(readFileSync(schedstatFile, "utf8").split(" ")[0]);
    return ns > 0 ? ns : undefined;
  } catch {
    return undefined;
  }
};

/** Where cpuUsPerCall comes from. Thread CPU time excludes time the thread was descheduled; ELU busy time does not. */
export const cpuSource: "threadCpuUsage" | "schedstat" | "elu" = threadCpuUsage
  ? "threadCpuUsage"
  : readSchedstat() !== undefined
    ? "schedstat"
    : "elu";
export const hasThreadCpu = cpuSource !== "elu";

/** Starts a CPU-time meter for the main thread; calling the result gives the µs spent since. */
export function cpuMeter(): () => number {
  if (cpuSource === "threadCpuUsage") {
    const start = threadCpuUsage!.call(process);
    return () => {
      const d = threadCpuUsage!.call(process, start);
      return d.user + d.system;
    };
  }
  if (cpuSource === "schedstat") {
    const start = readSchedstat()!;
    return () => (readSchedstat()! - start) / 1000;
  }
  const elu0 = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(elu0).active * 1000;
}

/**
 * `concurrency` closed loops each call `call()` back to back until `budgetMs` has passed; the round ends when the
 * last in-flight call settles. Any failure aborts the round with the first error.
 */
export async function throughputRound(
  call: () => Promise<unknown>,
  concurrency: number,
  budgetMs: number,
): Promise<ThroughputRound> {
  let calls = 0;
  let failure: unknown;
  const cpu = cpuMeter();
  const start = performance.now();
  const deadline = start + budgetMs;
  const loop = async () => {
    while (failure === undefined && performance.now() < deadline) {
      try {
        await call();
        calls++;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const ms = performance.now() - start;
  const cpuUs = cpu();
  if (failure !== undefined) throw failure;
  return { calls, ms, rate: (calls * 1000) / ms, cpuUsPerCall: cpuUs / calls };
}

/** ops/s of `op` run back to back (awaited when it returns a promise) for `budgetMs`, in batches of `batch`. */
export async function opsRound(op: () => unknown, budgetMs: number, batch = 64): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/** Synchronous tight loop: ops/s of `op` for `budgetMs`. Returns the last result so it cannot be optimised away. */
export function syncOpsRound(op: () => unknown, budgetMs: number, batch = 256): { rate: number; sink: unknown } {
  let ops = 0;
  let sink: unknown;
  const start = performance.now();
  const deadline = start + budgetMs;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) sink = op();
    ops += batch;
    now = performance.now();
  }
  return { rate: (ops * 1000) / (now - start), sink };
}

/** Rotates `items` by `k` (round k starts with item k), so that no contender always runs first or last. */
export function rotate<T>(items: readonly T[], k: number): T[] {
  const n = items.length;
  return items.map((_, i) => items[(i + k) % n]!);
}

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
