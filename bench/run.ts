/**
 * `npm run bench` — tim-topics against raw fetch, bare openapi-fetch, and a hand-rolled axios + tls-sig-api-v2 client,
 * side by side in one process, plus UserSig, validation, cold-import and bundle-size figures. See bench/BENCHMARKS.md.
 *
 * Environment knobs (defaults size the whole run to about a minute and a half on 2 cores):
 *   BENCH_ROUNDS   rounds per measurement (median of these), default 15
 *   BENCH_ROUND_MS time budget of one throughput round, default 350
 *   BENCH_QUICK=1  a smoke run (3 rounds of 100 ms)
 *   BENCH_THROUGHPUT_ONLY=1  the throughput table only, as JSON on stdout (the parent runs it on Node 22 and 24)
 *   BENCH_NODES=0  skip the Node 22/24 runs
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { isDeepStrictEqual } from "node:util";
import {
  bareOpenapiFetch,
  handRolled,
  OfficialApi,
  rawFetch,
  rawFetchWithTimeout,
  sdkContender,
  type Body,
  type Contender,
  type Credentials,
  type Operation,
  type SdkModule,
} from "./lib/contenders.js";
import { buildPackage, builtModule, bundleSize, coldImport, outDir, root, type BundleSize, type ImportTiming } from "./lib/build.js";
import { startServer, type LoopbackServer } from "./lib/server.js";
import { readSpecExamples } from "./lib/spec.js";
import { maximalCreateBody } from "./lib/bodies.js";
import { cpuSource, hasThreadCpu, median, opsRound, pause, rotate, syncOpsRound, throughputRound, type ThroughputRound } from "./lib/timing.js";

const quick = process.env.BENCH_QUICK === "1";
const throughputOnly = process.env.BENCH_THROUGHPUT_ONLY === "1";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 15));
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? (quick ? 100 : 350));
const CONCURRENCIES = [1, 16, 64] as const;
const IMPORT_RUNS = quick ? 5 : 15;
const WARMUP_ROUNDS = quick ? 2 : 8;
const WARMUP_MS = quick ? 200 : 400;

const creds: Credentials = {
  sdkAppId: 1400000000,
  identifier: "administrator",
  // Tencent's published sample key (tls-sig-api-v2's test file); not a secret.
  secretKey: "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
};

const runStart = performance.now();
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - runStart) / 1000).toFixed(1)}s] ${message}\n`);
const notes: string[] = [];

// ---------------------------------------------------------------------------------------------------------------------
// The package under test, built the way it ships.

log("building src/ with tsc into bench/.out/dist …");
const built = buildPackage();
if (built.diagnostics) notes.push(`tsc reported diagnostics while building src/ (JS was still emitted): ${built.diagnostics.split("\n")[0]}`);
log(`build ${built.ok ? "done" : "FAILED"} in ${(built.ms / 1000).toFixed(1)} s`);

async function load<T>(name: string): Promise<Partial<T>> {
  const url = builtModule(name);
  if (!url) return {};
  try {
    return (await import(url)) as Partial<T>;
  } catch (error) {
    notes.push(`importing the built src/${name}.ts failed: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}
type ValidateModule = { validateRequest(operation: Operation, body: Body): void };
type CredentialsModule = {
  createCredentials(options: { sdkAppId: number; identifier: string; secretKey: string }): { current(): unknown };
};
const index = await load<SdkModule>("index");
const usersigModule = await load<Pick<SdkModule, "genUserSig">>("usersig");
const validateModule = await load<ValidateModule>("validate");
const credentialsModule = await load<CredentialsModule>("credentials");
const sdk = typeof index.createClient === "function" ? (index as SdkModule) : undefined;
const genUserSig = index.genUserSig ?? usersigModule.genUserSig;
const validateRequest = validateModule.validateRequest;
const createCredentials = credentialsModule.createCredentials;
// A module that moved or lost an export would silently turn figures into "n/a": fail instead.
const missing = (what: string, where: string) => {
  throw new Error(`${what} is missing from the build (${where}): update bench/run.ts to where it lives now`);
};
if (!sdk) missing("createClient", "src/index.ts");
if (!genUserSig) missing("genUserSig", "src/index.ts / src/usersig.ts");
if (!validateRequest) missing("validateRequest", "src/validate.ts");
if (!createCredentials) missing("createCredentials", "src/credentials.ts");

// ---------------------------------------------------------------------------------------------------------------------
// The loopback server and the contenders.

const examples = readSpecExamples();
const server: LoopbackServer = await startServer({
  ...creds,
  answers: { create_topic: examples.createAnswer, get_topic: examples.getAnswer },
});
log(`loopback server (worker thread) on ${server.origin}`);

const official = new OfficialApi(creds.sdkAppId, creds.secretKey);
const cachedSig = official.genUserSig(creds.identifier, 86400);
const contenders: Contender[] = [
  rawFetch(server.origin, creds, cachedSig),
  rawFetchWithTimeout(server.origin, creds, cachedSig),
  bareOpenapiFetch(server.origin, creds, cachedSig),
  ...(sdk ? [sdkContender(sdk, server.origin, creds)] : []),
  handRolled(server.origin, creds),
];
const RAW = "raw fetch";
const RAW_TIMEOUT = "raw fetch + AbortSignal.timeout";
const SDK = "tim-topics";
const AXIOS = "axios + tls-sig-api-v2";

/** Before timing: each contender's requests pass the server's full check and the answers are the spec's examples. */
async function verifyContender(contender: Contender): Promise<void> {
  await server.stats();
  await server.setVerify(true);
  const created = await contender.call("createTopic", examples.createAllInOne);
  const got = await contender.call("getTopic", examples.getBasic);
  await server.setVerify(false);
  const { counts, problems } = await server.stats();
  const errors = [...problems];
  if (counts.create_topic !== 1 || counts.get_topic !== 1 || Object.keys(counts).length !== 2)
    errors.push(`expected one request per call, server saw ${JSON.stringify(counts)}`);
  // The SDK may return the body or a projection of it; the plain clients return the body as is.
  const createdOk =
    isDeepStrictEqual(created, examples.createAnswer) ||
    (created as { TopicId?: unknown } | undefined)?.TopicId === examples.createAnswer.TopicId;
  const gotOk =
    isDeepStrictEqual(got, examples.getAnswer) ||
    JSON.stringify(got).includes(JSON.stringify((examples.getAnswer.TopicAndSelfInfo as Body[])[0]!.TopicInfo));
  if (!createdOk) errors.push(`createTopic returned ${JSON.stringify(created).slice(0, 200)}`);
  if (!gotOk) errors.push(`getTopic returned ${JSON.stringify(got).slice(0, 200)}`);
  if (errors.length) throw new Error(`${contender.name} failed the pre-flight check:\n  ${errors.join("\n  ")}`);
  log(`verified ${contender.name}: signed query, JSON body, one request per call, spec answers`);
}
for (const contender of contenders) await verifyContender(contender);

// ---------------------------------------------------------------------------------------------------------------------
// Throughput: interleaved rounds (rotated order), median per contender, ratios paired within a round.

interface ThroughputResult {
  concurrency: number;
  name: string;
  rate: number;
  cpuUs: number;
  /** median of the per-round ratios to raw fetch / to the hand-rolled client */
  vsRaw: number;
  vsRawRange: [number, number];
  vsAxios: number;
  /** median of the per-round ratios to raw fetch with an AbortSignal.timeout */
  vsRawTimeout: number;
  /** median of the per-round ratios raw fetch CPU / this CPU: the throughput ratio if the client were the only bottleneck */
  cpuVsRaw: number;
}
const throughput: ThroughputResult[] = [];
const operation: Operation = "createTopic";
const body = examples.createAllInOne;

// Warm-up, not measured. On this kind of machine undici's fetch takes 3–5 s of calls (thousands) before V8 has
// optimised it (the same loop goes from ~800 to ~3,000 calls/s), so a short warm-up would measure the JIT, not the
// clients. Interleaved like the measured rounds, so everyone shares the same state of the machine.
const warmStart = performance.now();
for (let r = 0; r < WARMUP_ROUNDS; r++) {
  const rates: string[] = [];
  for (const contender of rotate(contenders, r)) {
    const round = await throughputRound(() => contender.call(operation, body), 16, WARMUP_MS);
    rates.push(`${contender.name} ${Math.round(round.rate)}`);
  }
  if (r === 0 || r === WARMUP_ROUNDS - 1) log(`warm-up round ${r + 1}/${WARMUP_ROUNDS} (c=16): ${rates.join(", ")}`);
}
await server.stats();
log(`warm-up took ${((performance.now() - warmStart) / 1000).toFixed(1)} s`);

for (const concurrency of CONCURRENCIES) {
  const rounds = new Map<string, ThroughputRound[]>(contenders.map((c) => [c.name, []]));
  const runRound = async (contender: Contender, budget: number) => {
    await server.stats();
    const round = await throughputRound(() => contender.call(operation, body), concurrency, budget);
    const { counts } = await server.stats();
    if (counts.create_topic !== round.calls || Object.keys(counts).length !== 1)
      throw new Error(`${contender.name}: ${round.calls} calls but the server saw ${JSON.stringify(counts)}`);
    return round;
  };
  for (const contender of contenders) await runRound(contender, Math.min(ROUND_MS, 200)); // warm-up: JIT, sockets
  for (let r = 0; r < ROUNDS; r++) {
    for (const contender of rotate(contenders, r)) {
      rounds.get(contender.name)!.push(await runRound(contender, ROUND_MS));
      await pause(5);
    }
  }
  const raw = rounds.get(RAW)!;
  const axiosRounds = rounds.get(AXIOS)!;
  const rawTimeout = rounds.get(RAW_TIMEOUT)!;
  for (const contender of contenders) {
    const mine = rounds.get(contender.name)!;
    const vsRaw = mine.map((m, i) => m.rate / raw[i]!.rate);
    throughput.push({
      concurrency,
      name: contender.name,
      rate: median(mine.map((m) => m.rate)),
      cpuUs: median(mine.map((m) => m.cpuUsPerCall)),
      vsRaw: median(vsRaw),
      vsRawRange: [Math.min(...vsRaw), Math.max(...vsRaw)],
      vsAxios: median(mine.map((m, i) => m.rate / axiosRounds[i]!.rate)),
      vsRawTimeout: median(mine.map((m, i) => m.rate / rawTimeout[i]!.rate)),
      cpuVsRaw: median(mine.map((m, i) => raw[i]!.cpuUsPerCall / m.cpuUsPerCall)),
    });
  }
  log(
    `c=${concurrency}: ` +
      throughput
        .filter((t) => t.concurrency === concurrency)
        .map((t) => `${t.name} ${Math.round(t.rate)}/s (${t.vsRaw.toFixed(2)}×)`)
        .join(", "),
  );
}

if (throughputOnly) {
  await server.close();
  process.stdout.write(`${JSON.stringify({ node: process.version, throughput })}\n`);
  process.exit(0);
}

// The same table on Node 22 and 24 (npm binaries in .tmp/, see scripts/node-versions.mjs), one after the other.
const otherNodes: { node: string; throughput: ThroughputResult[] }[] = [];
if (process.env.BENCH_NODES !== "0") {
  const { nodeBinary } = await import("../scripts/node-versions.mjs");
  const { spawnSync } = await import("node:child_process");
  for (const major of [22, 24] as const) {
    log(`throughput table on Node ${major} …`);
    const child = spawnSync(nodeBinary(major), ["--import", "tsx", "bench/run.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, BENCH_THROUGHPUT_ONLY: "1", BENCH_NODES: "0" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = child.stdout.trim().split("\n").at(-1);
    if (child.status !== 0 || !line) throw new Error(`the Node ${major} run failed:\n${child.stderr.slice(-2000)}`);
    otherNodes.push(JSON.parse(line) as { node: string; throughput: ThroughputResult[] });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// UserSig: uncached genUserSig vs tls-sig-api-v2, interleaved; then the cached path.

const SIGN_MS = quick ? 100 : 250;
let signing:
  | { official: number; sdk: number; ratio: number; concurrent16: number; officialCpuUs: number; sdkCpuUs: number; cpuRatio: number }
  | undefined;
if (genUserSig) {
  const opts = { sdkAppId: creds.sdkAppId, secretKey: creds.secretKey, identifier: creds.identifier, expireSeconds: 86400 };
  // The SDK's signature must be accepted by the server's verifier (HMAC recomputed with node:crypto).
  await server.setVerify(true);
  await rawFetch(server.origin, creds, await genUserSig(opts)).call("getTopic", examples.getBasic);
  await server.setVerify(false);
  const { problems } = await server.stats();
  if (problems.length) throw new Error(`genUserSig output rejected by the verifier: ${problems.join("; ")}`);

  const officialOp = () => official.genUserSig(creds.identifier, 86400);
  const sdkOp = () => genUserSig(opts);
  /** ops/s, and CPU µs per op over all threads (WebCrypto signs on libuv's pool; the idle server thread adds ~0). */
  const signRound = async (op: () => unknown, ms: number) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const rate = await opsRound(op, ms);
    const ops = (rate * (performance.now() - t0)) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rate, cpuUs: (cpu.user + cpu.system) / ops };
  };
  await opsRound(officialOp, 100);
  await opsRound(sdkOp, 100);
  const o: { rate: number; cpuUs: number }[] = [];
  const s: { rate: number; cpuUs: number }[] = [];
  const c16: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) {
      s.push(await signRound(sdkOp, SIGN_MS));
      o.push(await signRound(officialOp, SIGN_MS));
    } else {
      o.push(await signRound(officialOp, SIGN_MS));
      s.push(await signRound(sdkOp, SIGN_MS));
    }
    // 16 signatures in flight at once (WebCrypto work runs on libuv's thread pool)
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < SIGN_MS / 2) {
      await Promise.all(Array.from({ length: 16 }, sdkOp));
      n += 16;
    }
    c16.push((n * 1000) / (performance.now() - t0));
  }
  signing = {
    official: median(o.map((x) => x.rate)),
    sdk: median(s.map((x) => x.rate)),
    ratio: median(s.map((x, i) => x.rate / o[i]!.rate)),
    concurrent16: median(c16),
    officialCpuUs: median(o.map((x) => x.cpuUs)),
    sdkCpuUs: median(s.map((x) => x.cpuUs)),
    cpuRatio: median(s.map((x, i) => o[i]!.cpuUs / x.cpuUs)),
  };
  log(`UserSig: tls-sig-api-v2 ${Math.round(signing.official)}/s, genUserSig ${Math.round(signing.sdk)}/s (${signing.ratio.toFixed(2)}×)`);
}

let cached: { us: number; shape: string } | undefined;
if (createCredentials) {
  const credentials = createCredentials(creds);
  const first = await credentials.current();
  const shape = typeof first === "string" ? "string" : first === null ? "null" : typeof first === "object" ? `{${Object.keys(first as object).join(", ")}}` : typeof first;
  const op = () => credentials.current();
  await opsRound(op, 50);
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(await opsRound(op, quick ? 50 : 100, 256));
  cached = { us: 1e6 / median(rates), shape };
  log(`cached credentials.current(): ${cached.us.toFixed(3)} µs (returns ${shape})`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation of a maximal ALL-IN-ONE create body: every field at its byte limit.

const maximalBody: Body = maximalCreateBody();
let validation: { us: number; rejectsOverLimit: boolean } | undefined;
if (validateRequest) {
  validateRequest("createTopic", maximalBody); // must pass
  let rejectsOverLimit = false;
  try {
    validateRequest("createTopic", { ...maximalBody, CustomString: (maximalBody.CustomString as string) + "x" });
  } catch {
    rejectsOverLimit = true;
  }
  if (!rejectsOverLimit) notes.push("validateRequest accepted a CustomString of 3001 bytes: the validation figure may not measure real checks.");
  const op = () => validateRequest("createTopic", maximalBody);
  syncOpsRound(op, 50);
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(syncOpsRound(op, quick ? 50 : 100, 64).rate);
  validation = { us: 1e6 / median(rates), rejectsOverLimit };
  log(`validateRequest(createTopic, maximal body): ${validation.us.toFixed(2)} µs`);
}

await server.close();

// ---------------------------------------------------------------------------------------------------------------------
// Bulk import through the CLI: the built bin as a child process, against the emulator over HTTP (IM's 200/s enforced
// there), at the default --rate (the spec's limit). Sustained rate over the run, and the most sends in any 1 s window.

let bulk: { lines: number; limit: number; sustained: number; maxWindow: number; rateLimited: number; seconds: number } | undefined;
{
  const { build: buildDist } = await import("../scripts/build.mjs");
  buildDist({ quiet: true });
  const { createEmulator } = await import("../src/testing/index.js");
  const { serveFetch } = await import("../src/node/serve.js");
  const { maxInWindow } = await import("../test/helpers/fault-server.js");
  const { operationTable } = await import("../src/operations.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { spawn } = await import("node:child_process");
  const lines = quick ? 400 : 2000;
  const emu = createEmulator({ ...creds, topicLimit: 100_000 });
  const arrivals: number[] = [];
  const served = await serveFetch((request) => {
    arrivals.push(performance.timeOrigin + performance.now());
    return emu.handle(request);
  });
  const tmp = mkdtempSync(`${tmpdir()}/tim-bench-bulk-`);
  const file = `${tmp}/topics.jsonl`;
  writeFileSync(file, Array.from({ length: lines }, (_, i) => JSON.stringify({ GroupId: `@TGS#_bench${i % 8}`, TopicId: `@TGS#_bench${i % 8}@TOPIC#_t${i}`, TopicName: `t${i}` })).join("\n"));
  log(`bulk import of ${lines} topics through the CLI at the spec's rate …`);
  // Asynchronous child: the emulator answers in this process's event loop.
  const child = spawn(process.execPath, [`${root}dist/src/node/cli/main.js`, "import", "--file", file, "--json", "--base-url", served.url], {
    env: { ...process.env, TIM_SDKAPPID: String(creds.sdkAppId), TIM_IDENTIFIER: creds.identifier, TIM_SECRET_KEY: creds.secretKey },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  await new Promise((resolve) => child.on("close", resolve));
  await served.close();
  rmSync(tmp, { recursive: true, force: true });
  const summary = JSON.parse(stdout) as { done: number };
  if (summary.done !== lines) throw new Error(`bulk import: ${summary.done} of ${lines} imported`);
  const seconds = (arrivals.at(-1)! - arrivals[0]!) / 1000;
  const limit = operationTable.importTopic.rateLimitPerSecond;
  bulk = { lines, limit, sustained: (arrivals.length - 1) / seconds, maxWindow: maxInWindow(arrivals), rateLimited: emu.calls.filter((c) => c.code === 10006).length, seconds };
  log(`bulk import: ${bulk.sustained.toFixed(1)}/s sustained (${((100 * bulk.sustained) / limit).toFixed(1)} % of ${limit}), at most ${bulk.maxWindow} in any 1 s window, ${bulk.rateLimited} answered 10006`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Cold import and bundle sizes.

let importTiming: ImportTiming | undefined;
const indexFile = builtModule("index");
if (indexFile && sdk) {
  importTiming = coldImport(new URL(indexFile).pathname, IMPORT_RUNS);
  log(`cold import: ${importTiming.importMs.toFixed(1)} ms (process ${importTiming.processMs.toFixed(1)} ms)`);
}
const sizes: Record<string, BundleSize | undefined> = {};
const trySize = async (name: string, code: string) => {
  try {
    sizes[name] = await bundleSize(code, name);
  } catch (error) {
    notes.push(`bundling ${name} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
};
if (sdk) await trySize("client", `export * from "../src/index.ts";`);
if (index.genUserSig) await trySize("genUserSig", `export { genUserSig } from "../src/index.ts";`);
else if (usersigModule.genUserSig) await trySize("genUserSig", `export { genUserSig } from "../src/usersig.ts";`);
await trySize("openapi-fetch", `export { default } from "openapi-fetch";`);
log("bundles measured");

// ---------------------------------------------------------------------------------------------------------------------
// Report.

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const x = (n: number) => `${n.toFixed(2)}×`;
const mark = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "met" : "**missed**");
const pct = (n: number) => `${n < 0.1 ? n.toFixed(3) : n.toFixed(2)} %`;
const out: string[] = [];
const cpuModel = cpus()[0]?.model ?? "unknown";
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };
out.push(`### tim-topics ${pkg.version} benchmarks`);
out.push("");
out.push(
  `Machine: ${cpus().length} cores (${cpuModel}), Node ${process.version}, ${process.platform}/${process.arch}. ` +
    `${ROUNDS} interleaved rounds per figure (median), ${ROUND_MS} ms per throughput round. ` +
    `Workload: \`createTopic\` with the spec's ALL IN ONE example body, answered by a keep-alive node:http server in a worker thread. ` +
    `Client CPU from ${cpuSource === "threadCpuUsage" ? "process.threadCpuUsage()" : cpuSource === "schedstat" ? "/proc/self/task/<pid>/schedstat (main thread)" : "event-loop utilisation (includes descheduled time)"}.`,
);
out.push("");
const table = (rows: ThroughputResult[]) => {
  out.push(`| Calls/s (createTopic) | c | calls/s | × raw fetch (round range) | × raw fetch + timeout | × axios + tls-sig | client CPU µs/call${hasThreadCpu ? "" : " (ELU)"} | × raw fetch by CPU |`);
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const t of rows) {
    out.push(
      `| ${t.name} | ${t.concurrency} | ${fmtInt(t.rate)} | ${x(t.vsRaw)} (${t.vsRawRange[0].toFixed(2)}–${t.vsRawRange[1].toFixed(2)}) | ${x(t.vsRawTimeout)} | ${x(t.vsAxios)} | ${t.cpuUs.toFixed(0)} | ${x(t.cpuVsRaw)} |`,
    );
  }
  out.push("");
};
table(throughput);
for (const other of otherNodes) {
  out.push(`The same on Node ${other.node} (its own process, run after this one):`);
  out.push("");
  table(other.throughput);
}
const sdkAt = (c: number) => throughput.find((t) => t.name === SDK && t.concurrency === c);
const sdkC1 = sdkAt(1);
out.push("| Figure | Value | Reference | Ratio |");
out.push("|---|---:|---|---:|");
if (signing) {
  out.push(`| UserSig, uncached: \`genUserSig\` (sequential awaits) | ${fmtInt(signing.sdk)} ops/s | tls-sig-api-v2 \`genUserSig\`: ${fmtInt(signing.official)} ops/s | ${x(signing.ratio)} |`);
  out.push(`| UserSig, uncached: \`genUserSig\`, 16 in flight | ${fmtInt(signing.concurrent16)} ops/s | tls-sig-api-v2 (sync, one at a time) | ${x(signing.concurrent16 / signing.official)} |`);
  out.push(`| UserSig, uncached: CPU per signature, all threads | ${signing.sdkCpuUs.toFixed(1)} µs | tls-sig-api-v2: ${signing.officialCpuUs.toFixed(1)} µs | ${x(signing.cpuRatio)} |`);
} else out.push("| UserSig, uncached | n/a | | |");
if (cached) {
  const c1 = sdkC1 ? `${pct((100 * cached.us) / (1e6 / sdkC1.rate))} of a c=1 call (${(1e6 / sdkC1.rate).toFixed(0)} µs); ${pct((100 * cached.us) / sdkC1.cpuUs)} of its client CPU (${sdkC1.cpuUs.toFixed(0)} µs)` : "SDK call n/a";
  out.push(`| UserSig, cached: \`credentials.current()\` | ${cached.us.toFixed(3)} µs | ${c1} | |`);
} else out.push("| UserSig, cached | n/a | | |");
if (validation) {
  const share = sdkC1 ? `${pct((100 * validation.us) / sdkC1.cpuUs)} of the SDK's client CPU per call` : "";
  out.push(`| Validation: \`validateRequest("createTopic", maximal ALL IN ONE)\` | ${validation.us.toFixed(2)} µs | ${share} | |`);
} else out.push("| Validation | n/a | | |");
if (importTiming)
  out.push(`| Cold import of the built package (\`import()\` in a fresh node, minus an empty module) | ${importTiming.importMs.toFixed(1)} ms | whole process: +${importTiming.processMs.toFixed(1)} ms over an empty import; ${importTiming.runs} runs each | |`);
else out.push("| Cold import | n/a | | |");
for (const [name, label] of [["client", "whole client (`export *`)"], ["genUserSig", "`genUserSig` alone"], ["openapi-fetch", "openapi-fetch alone (reference)"]] as const) {
  const s = sizes[name];
  const lazy = s && s.lazyMinBytes ? `; lazy chunks (each loaded on first use: code meanings, signer, verifier, rate limiter, read-back): ${(s.lazyGzipBytes / 1024).toFixed(2)} kB gz / ${(s.lazyMinBytes / 1024).toFixed(2)} kB min` : "";
  out.push(`| Bundle, ${label}: esbuild min+gzip -9, initial load | ${s ? `${(s.gzipBytes / 1024).toFixed(2)} kB gz` : "n/a"} | ${s ? `${(s.minBytes / 1024).toFixed(2)} kB min${lazy}` : ""} | |`);
}
out.push("");
out.push("| Target | Figure | Status |");
out.push("|---|---|---|");
{
  const t = sdkAt(16);
  out.push(`| createTopic ≥ 0.85× raw fetch, c=16, Node ${process.version} | ${t ? x(t.vsRaw) : "n/a"} | ${mark(t ? t.vsRaw >= 0.85 : undefined)} |`);
  for (const other of otherNodes) {
    const o = other.throughput.find((r) => r.name === SDK && r.concurrency === 16);
    out.push(`| createTopic ≥ 0.85× raw fetch, c=16, Node ${other.node} | ${o ? x(o.vsRaw) : "n/a"} | ${mark(o ? o.vsRaw >= 0.85 : undefined)} |`);
  }
}
for (const c of CONCURRENCIES) {
  const t = sdkAt(c);
  out.push(`| SDK ≥ 1.5× axios + tls-sig-api-v2, c=${c} | ${t ? x(t.vsAxios) : "n/a"} | ${mark(t ? t.vsAxios >= 1.5 : undefined)} |`);
}
out.push(`| Uncached signer ≥ 0.4× tls-sig-api-v2 | ${signing ? x(signing.ratio) : "n/a"} | ${mark(signing ? signing.ratio >= 0.4 : undefined)} |`);
const cachedShare = cached && sdkC1 ? (100 * cached.us) / (1e6 / sdkC1.rate) : undefined;
out.push(`| Cached signing < 1 % of a call (c=1) | ${cachedShare !== undefined ? pct(cachedShare) : "n/a"} | ${mark(cachedShare !== undefined ? cachedShare < 1 : undefined)} |`);
if (bulk) {
  out.push(`| Bulk import via the CLI (${bulk.lines} topics, emulator over HTTP): sustained rate ≥ 95 % of ${bulk.limit}/s | ${bulk.sustained.toFixed(1)}/s = ${((100 * bulk.sustained) / bulk.limit).toFixed(1)} % | ${mark(bulk.sustained >= 0.95 * bulk.limit)} |`);
  out.push(`| Bulk import: never more than ${bulk.limit} sends in any 1 s window | max ${bulk.maxWindow} (${bulk.rateLimited} answered 10006) | ${mark(bulk.maxWindow <= bulk.limit && bulk.rateLimited === 0)} |`);
}
if (notes.length) {
  out.push("");
  for (const note of notes) out.push(`- Note: ${note}`);
}
out.push("");
out.push(`Run took ${((performance.now() - runStart) / 1000).toFixed(0)} s.`);

const report = out.join("\n");
process.stdout.write(`\n${report}\n`);
writeFileSync(`${outDir}last-run.md`, `${report}\n`);
writeFileSync(
  `${outDir}last-run.json`,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpuModel, cores: cpus().length, rounds: ROUNDS, roundMs: ROUND_MS, throughput, otherNodes, bulk, signing, cached, validation, importTiming, sizes, notes }, null, 2),
);
