/**
 * Load with injected faults: N calls at concurrency C against the loopback fault server, where
 * every 10th request fails transiently (10002, a 502 page, or a reset after the body). Checks that every call ends in
 * exactly one success or one typed TimError, that nothing rejects unhandled, that no create ran twice, that no abort
 * listener is left on a signal shared by every call, and that the heap returns to its baseline.
 *
 *   npx tsx bench/load.ts                       # 10 000 calls at concurrency 64, human-readable
 *   node --expose-gc --import tsx bench/load.ts --calls 10000 --concurrency 64 --json
 *
 * The heap is compared after forced collections: with --expose-gc (test/load.test.ts passes it) or, without it,
 * V8's gc switched on at run time.
 */
import { getEventListeners, setMaxListeners } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { retryCodes } from "../generated/retry-codes.js";
import { requestRules } from "../generated/request-rules.js";
import { createClient, TimError } from "../src/index.js";
import { startFaultServer, type Behaviour, type FaultServer } from "../test/helpers/fault-server.js";

export interface LoadOptions {
  calls: number;
  concurrency: number;
  /** Every `faultEvery`-th request (by arrival) is a fault. */
  faultEvery: number;
}

export interface LoadReport {
  calls: number;
  concurrency: number;
  requests: number;
  faultsInjected: number;
  successes: number;
  /** Typed errors by class name. */
  typedErrors: Record<string, number>;
  /** Typed errors by operation and whether the create carried its own TopicId. */
  errorsByCall: Record<string, number>;
  /** Rejections that were not a TimError (must be 0). */
  untypedErrors: number;
  /** Calls whose promise settled more than once or never (must be 0). */
  settlementProblems: number;
  unhandledRejections: number;
  duplicateCreates: string[];
  /** Abort listeners left on the signal every call shared (must be 0). */
  leftoverAbortListeners: number;
  gcExposed: boolean;
  heapBaselineBytes: number;
  heapAfterBytes: number;
  heapGrowthBytes: number;
  durationMs: number;
}

const GROUP = "@TGS#_@TGS#cQVLVHIM62CJ";
const separator = requestRules.createTopic.fields.TopicId.customTopicId.separator;
const [transient] = retryCodes.getTopic.transient;

/** The fault for the n-th injected fault: cycles through an IM transient code, a 502 page and a reset. */
function faultFor(n: number, server: FaultServer): Behaviour {
  switch (n % 3) {
    case 0:
      return { kind: "im", code: transient, headers: { "retry-after-ms": "2" } };
    case 1:
      return { kind: "http", status: 502, body: `<html><body>502 Bad Gateway: ${server.origin}</body></html>`, headers: { "retry-after": "0" } };
    default:
      return { kind: "resetAfterBody" }; // no Retry-After: the client's own backoff (≤ 500 ms) applies
  }
}

/** `gc()`: the global one under --expose-gc, else switched on at run time (V8 allows it; the flag only exposes it). */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

const settleHeap = async (rounds = 3) => {
  const gc = findGc();
  for (let i = 0; i < rounds; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
};

export async function runLoad({ calls, concurrency, faultEvery }: LoadOptions): Promise<LoadReport> {
  let unhandledRejections = 0;
  const onUnhandled = () => unhandledRejections++;
  process.on("unhandledRejection", onUnhandled);
  let faults = 0;
  const server = await startFaultServer();
  server.setScript((request) => ((request.index + 1) % faultEvery === 0 ? faultFor(faults++, server) : { kind: "ok" }));
  const im = createClient({ sdkAppId: 1400000000, identifier: "administrator", secretKey: "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", baseUrl: server.origin });
  // One signal shared by every call, never aborted: each call must remove the listeners it adds.
  const shared = new AbortController();
  // Up to `concurrency` calls listen at once: legitimate, so raise Node's leak-warning threshold for this signal.
  setMaxListeners(concurrency * 2, shared.signal);
  let runId = 0;

  /** Call i: mostly getTopic; every 5th a create with its own TopicId; every 10th a create without one. */
  const call = (i: number) => {
    const name = `r${runId}-${i}`;
    return i % 10 === 9
      ? im.createTopic({ GroupId: GROUP, TopicName: name }, { signal: shared.signal })
      : i % 5 === 4
        ? im.createTopic({ GroupId: GROUP, TopicName: name, TopicId: `${GROUP}${separator}${name}` }, { signal: shared.signal })
        : im.getTopic({ GroupId: GROUP, From_Account: "administrator", TopicIdList: [`${GROUP}${separator}r0-4`] }, { signal: shared.signal });
  };

  const run = async (total: number) => {
    runId++;
    const outcome = { successes: 0, typedErrors: {} as Record<string, number>, errorsByCall: {} as Record<string, number>, untypedErrors: 0, settlementProblems: 0 };
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        let settlements = 0;
        await call(i).then(
          () => {
            settlements++;
            outcome.successes++;
          },
          (error: unknown) => {
            settlements++;
            if (!(error instanceof TimError)) return void outcome.untypedErrors++;
            outcome.typedErrors[error.name] = (outcome.typedErrors[error.name] ?? 0) + 1;
            const kind = i % 10 === 9 ? "createTopic" : i % 5 === 4 ? "createTopic+TopicId" : "getTopic";
            outcome.errorsByCall[kind] = (outcome.errorsByCall[kind] ?? 0) + 1;
          },
        );
        if (settlements !== 1) outcome.settlementProblems++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return outcome;
  };

  // Warm up (JIT, connection pool, the lazily loaded error meanings), then take the baseline.
  await run(Math.min(500, calls));
  const heapBaselineBytes = await settleHeap();
  const requestsBefore = server.requests.length;
  const faultsBefore = faults;
  const started = performance.now();
  const outcome = await run(calls);
  const durationMs = Math.round(performance.now() - started);
  const requests = server.requests.length - requestsBefore;
  const faultsInjected = faults - faultsBefore;
  const duplicateCreates = server.duplicates();
  // The recorded requests are the test's, not the client's: drop them before measuring the client's heap.
  server.forget();
  const heapAfterBytes = await settleHeap();
  const leftoverAbortListeners = getEventListeners(shared.signal, "abort").length;
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 50)); // let late rejections surface
  process.off("unhandledRejection", onUnhandled);
  return {
    calls,
    concurrency,
    requests,
    faultsInjected,
    ...outcome,
    unhandledRejections,
    duplicateCreates,
    leftoverAbortListeners,
    gcExposed: findGc() !== undefined,
    heapBaselineBytes,
    heapAfterBytes,
    heapGrowthBytes: heapAfterBytes - heapBaselineBytes,
    durationMs,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const index = process.argv.indexOf(`--${name}`);
    return index === -1 ? fallback : Number(process.argv[index + 1]);
  };
  const report = await runLoad({ calls: arg("calls", 10_000), concurrency: arg("concurrency", 64), faultEvery: arg("fault-every", 10) });
  if (process.argv.includes("--json")) console.log(JSON.stringify(report));
  else {
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    console.log(`${report.calls} calls at concurrency ${report.concurrency}: ${report.requests} requests, ${report.faultsInjected} faults, ${report.durationMs} ms`);
    console.log(`  successes ${report.successes}, typed errors ${JSON.stringify(report.typedErrors)} by call ${JSON.stringify(report.errorsByCall)}, untyped ${report.untypedErrors}, settlement problems ${report.settlementProblems}`);
    console.log(`  unhandled rejections ${report.unhandledRejections}, duplicate creates ${report.duplicateCreates.length}, leftover abort listeners ${report.leftoverAbortListeners}`);
    console.log(`  heap ${mb(report.heapBaselineBytes)} → ${mb(report.heapAfterBytes)} (${report.gcExposed ? "after gc" : "no gc available: approximate"})`);
  }
}
