/**
 * `npx tsx bench/ablation.ts` — where the SDK's per-call cost goes. Not part of `npm run bench` (it takes about a minute
 * more); run it after `npm run bench`, which builds src/ into bench/.out/dist.
 *
 * Part 1 (network, loopback server in a worker thread, c=16): raw fetch, then raw fetch with one of the SDK's
 * ingredients added at a time, then openapi-fetch, then the SDK. Interleaved rounds; the figure is the main thread's
 * CPU µs per call (robust to other load), with calls/s alongside.
 *
 * Part 2 (no network): the SDK's own overhead per call with a stub `fetch`, and its ingredients one by one, in µs.
 */
import { isDeepStrictEqual } from "node:util";
import createOpenapiClient from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { builtModule } from "./lib/build.js";
import { OfficialApi, CREATE_PATH, type Body, type SdkModule } from "./lib/contenders.js";
import { startServer } from "./lib/server.js";
import { readSpecExamples } from "./lib/spec.js";
import { maximalCreateBody } from "./lib/bodies.js";
import { cpuMeter, hasThreadCpu, median, opsRound, rotate, syncOpsRound, throughputRound } from "./lib/timing.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 13);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const CONCURRENCY = 16;

const creds = {
  sdkAppId: 1400000000,
  identifier: "administrator",
  secretKey: "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
};
const log = (m: string) => process.stderr.write(`[ablation] ${m}\n`);

const indexUrl = builtModule("index");
if (!indexUrl) throw new Error("bench/.out/dist is missing: run `npm run bench` first (it builds src/)");
type Internals = SdkModule & {
  validateRequest(operation: string, body: unknown): void;
  redact(text: string, secrets?: readonly string[]): string;
};
const sdk = (await import(indexUrl)) as Internals;
const credentialsMod = (await import(builtModule("credentials")!)) as {
  createCredentials(o: typeof creds): { current(): Promise<string> };
};
const retryPolicy = (await import(builtModule("retry-policy")!)) as { parseRetryAfter?(h: Headers, now: number): unknown };

const examples = readSpecExamples();
const body = examples.createAllInOne;
const answerText = JSON.stringify(examples.createAnswer);
const server = await startServer({ ...creds, answers: { create_topic: examples.createAnswer, get_topic: examples.getAnswer } });
const origin = server.origin;
const usersig = new OfficialApi(creds.sdkAppId, creds.secretKey).genUserSig(creds.identifier, 86400);
const urlString = `${origin}${CREATE_PATH}?sdkappid=${creds.sdkAppId}&identifier=${creds.identifier}&usersig=${usersig}&random=1&contenttype=json`;
const jsonHeaders = { "content-type": "application/json" };
const check = (d: unknown) => {
  if ((d as { ErrorCode?: unknown }).ErrorCode !== 0) throw new Error("bad answer");
};

// ---------------------------------------------------------------------------------------------------------------------
// Part 1: full calls over loopback.

const oapi = createOpenapiClient<paths>({ baseUrl: origin });
const oapiQuery = () => ({ sdkappid: creds.sdkAppId, identifier: creds.identifier, usersig, random: 1, contenttype: "json" as const });

/** The shape of src/transport.ts's happy path, without the SDK: what openapi-fetch + a custom fetch costs. */
const transportShape = async (request: Request): Promise<Response> => {
  const url = new URL(request.url);
  const payload = await request.text();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const response = await fetch(url, { method: "POST", headers: request.headers, body: payload, signal: controller.signal });
    check(JSON.parse(await response.text()));
    return new Response(null, { status: 200 });
  } finally {
    clearTimeout(timer);
  }
};

// ---- Prototypes of a cheaper hot path (NOT the SDK; what a change in src/ could buy). Both keep the SDK's own
// validation, cached credentials, random, per-attempt timeout and ErrorCode check, and differ only in how the request
// is built.
const protoCredentials = credentialsMod.createCredentials(creds);
const randomPool = new Uint32Array(256);
let randomNext = 256;
const pooledRandom = () => {
  if (randomNext === 256) {
    crypto.getRandomValues(randomPool);
    randomNext = 0;
  }
  return randomPool[randomNext++]!;
};
async function sendOnce(fetchImpl: typeof fetch, url: string, headers: HeadersInit, payload: string, withSignal = true): Promise<Record<string, unknown>> {
  if (!withSignal) {
    const response = await fetchImpl(url, { method: "POST", headers, body: payload });
    const parsed = JSON.parse(await response.text()) as Record<string, unknown>;
    check(parsed);
    return parsed;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const response = await fetchImpl(url, { method: "POST", headers, body: payload, signal: controller.signal });
    const parsed = JSON.parse(await response.text()) as Record<string, unknown>;
    check(parsed);
    return parsed;
  } finally {
    clearTimeout(timer);
  }
}
/** Prototype A: openapi-fetch kept, but given a plain `Request` class, so no undici Request/body stream is built and read back. */
class LiteRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  constructor(url: string, init: { method: string; headers: Headers; body: string }) {
    this.url = url;
    this.method = init.method;
    this.headers = init.headers;
    this.body = init.body;
  }
}
function protoA(fetchImpl: typeof fetch) {
  const client = createOpenapiClient<paths>({ baseUrl: origin, Request: LiteRequest as unknown as typeof Request });
  const ok = new Response(null, { status: 200 });
  return async (b: Body) => {
    sdk.validateRequest("createTopic", b);
    const query = { sdkappid: creds.sdkAppId, identifier: creds.identifier, usersig: await protoCredentials.current(), random: pooledRandom(), contenttype: "json" as const };
    let parsed: Record<string, unknown> | undefined;
    await client.POST(CREATE_PATH, {
      params: { query },
      body: b as never,
      parseAs: "stream",
      fetch: async (request: Request) => {
        const lite = request as unknown as LiteRequest;
        parsed = await sendOnce(fetchImpl, lite.url, lite.headers, lite.body);
        return ok;
      },
    });
    return { TopicId: String(parsed!.TopicId), response: parsed };
  };
}
/** Prototype B: no openapi-fetch at run time (types only): the URL is a prefix per operation plus usersig and random. */
function protoB(fetchImpl: typeof fetch, withSignal = true) {
  const prefix = `${origin}${CREATE_PATH}?sdkappid=${creds.sdkAppId}&identifier=${encodeURIComponent(creds.identifier)}&usersig=`;
  const headers = { "content-type": "application/json" };
  return async (b: Body) => {
    sdk.validateRequest("createTopic", b);
    const url = `${prefix}${await protoCredentials.current()}&random=${pooledRandom()}&contenttype=json`;
    const parsed = await sendOnce(fetchImpl, url, headers, JSON.stringify(b), withSignal);
    return { TopicId: String(parsed.TopicId), response: parsed };
  };
}
const globalFetch: typeof fetch = (input, init) => fetch(input, init);
const protoANet = protoA(globalFetch);
const protoBNet = protoB(globalFetch);
const protoBNoSignal = protoB(globalFetch, false);

const imDefault = sdk.createClient({ ...creds, baseUrl: origin });
const imNoValidate = sdk.createClient({ ...creds, baseUrl: origin, validate: false } as Parameters<SdkModule["createClient"]>[0]);

const variants: { name: string; call: () => Promise<unknown> }[] = [
  {
    name: "raw fetch(string URL) + res.json()",
    call: async () => check(await (await fetch(urlString, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) })).json()),
  },
  {
    name: "… + URL object as input",
    call: async () => check(await (await fetch(new URL(urlString), { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) })).json()),
  },
  {
    name: "… + AbortController signal & 5 s timer",
    call: async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5000);
      try {
        const res = await fetch(urlString, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body), signal: controller.signal });
        check(await res.json());
      } finally {
        clearTimeout(timer);
      }
    },
  },
  {
    name: "… + body via new Request(...).text()",
    call: async () => {
      const request = new Request(urlString, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) });
      const payload = await request.text();
      check(await (await fetch(urlString, { method: "POST", headers: request.headers, body: payload })).json());
    },
  },
  {
    name: "openapi-fetch (default fetch(Request))",
    call: async () => check((await oapi.POST(CREATE_PATH, { params: { query: oapiQuery() }, body: body as never })).data),
  },
  {
    name: "openapi-fetch + transport-shaped custom fetch",
    call: () => oapi.POST(CREATE_PATH, { params: { query: oapiQuery() }, body: body as never, parseAs: "stream", fetch: transportShape }),
  },
  { name: "tim-topics createTopic (default)", call: () => imDefault.createTopic(body) },
  { name: "tim-topics createTopic (validate: false)", call: () => imNoValidate.createTopic(body) },
  { name: "prototype A: openapi-fetch + plain Request class", call: () => protoANet(body) },
  { name: "prototype B: URL prefix + fetch(string), no openapi-fetch at run time", call: () => protoBNet(body) },
  { name: "prototype B without the per-attempt AbortSignal/timer", call: () => protoBNoSignal(body) },
];

const rounds = new Map(variants.map((v) => [v.name, [] as { cpu: number; rate: number }[]]));
log(`warming up ${variants.length} variants …`);
for (let r = 0; r < 6; r++) for (const v of rotate(variants, r)) await throughputRound(v.call, CONCURRENCY, 300);
for (let r = 0; r < ROUNDS; r++) {
  for (const v of rotate(variants, r)) {
    const round = await throughputRound(v.call, CONCURRENCY, ROUND_MS);
    rounds.get(v.name)!.push({ cpu: round.cpuUsPerCall, rate: round.rate });
  }
}
await server.close();
const base = rounds.get(variants[0]!.name)!;

const out: string[] = [];
out.push(`### Where the per-call cost goes (c=${CONCURRENCY}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, medians)`);
out.push("");
out.push(`| Variant | client CPU µs/call${hasThreadCpu ? "" : " (ELU)"} | Δ vs raw fetch | calls/s | × raw fetch (calls/s) |`);
out.push("|---|---:|---:|---:|---:|");
for (const v of variants) {
  const mine = rounds.get(v.name)!;
  const cpu = median(mine.map((m) => m.cpu));
  const delta = median(mine.map((m, i) => m.cpu - base[i]!.cpu));
  out.push(
    `| ${v.name} | ${cpu.toFixed(0)} | ${delta >= 0 ? "+" : ""}${delta.toFixed(0)} | ${Math.round(median(mine.map((m) => m.rate))).toLocaleString("en-US")} | ${median(mine.map((m, i) => m.rate / base[i]!.rate)).toFixed(2)}× |`,
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Part 2: no network.

const stubHeaders = new Headers({ "content-type": "application/json" });
/** The cheapest thing the transport accepts as a response. */
const stubFetch = (async () => ({ status: 200, headers: stubHeaders, text: async () => answerText })) as unknown as typeof fetch;
const imStub = sdk.createClient({ ...creds, baseUrl: origin, fetch: stubFetch } as Parameters<SdkModule["createClient"]>[0]);
const imStubNoValidate = sdk.createClient({ ...creds, baseUrl: origin, fetch: stubFetch, validate: false } as Parameters<SdkModule["createClient"]>[0]);
const oapiStub = createOpenapiClient<paths>({ baseUrl: origin, fetch: async () => new Response(answerText, { status: 200, headers: stubHeaders }) });
const credentials = credentialsMod.createCredentials(creds);
await credentials.current();
const sampleUrl = `${origin}${CREATE_PATH}?sdkappid=1400000000&identifier=administrator&usersig=${usersig}&random=123456789&contenttype=json`;
const created = await imStub.createTopic(body);
if (!isDeepStrictEqual((created as { response?: unknown }).response, examples.createAnswer)) throw new Error("stub answer not returned");

const protoAStub = protoA(stubFetch);
const protoBStub = protoB(stubFetch);
const maximal = maximalCreateBody();
const ascii3000 = "custom string, ".repeat(200);
const internalsUtf8 = (await import(indexUrl.replace(/index\.js$/, "internal/utf8.js"))) as {
  utf8ByteLength(s: string): number | undefined;
  codePointLength(s: string): number;
};
const maximalValues = Object.values(maximal);
/** What src/validate.ts does for sizes (src/internal/utf8.ts, with its ASCII fast path since the ablation found it). */
const sizesAsSrc = () => {
  let n = 0;
  for (const v of maximalValues) n += (internalsUtf8.utf8ByteLength(v) ?? 0) + internalsUtf8.codePointLength(v);
  return n;
};
const micro: { name: string; op: () => unknown; sync?: boolean }[] = [
  { name: "size checks of the maximal body as src does them (utf8ByteLength + codePointLength)", op: sizesAsSrc, sync: true },
  { name: "tim-topics createTopic, stub fetch (whole SDK overhead)", op: () => imStub.createTopic(body) },
  { name: "tim-topics createTopic, stub fetch, validate: false", op: () => imStubNoValidate.createTopic(body) },
  { name: "prototype A, stub fetch", op: () => protoAStub(body) },
  { name: "prototype B, stub fetch", op: () => protoBStub(body) },
  { name: "utf8ByteLength(3000 ASCII chars)", op: () => internalsUtf8.utf8ByteLength(ascii3000), sync: true },
  { name: "codePointLength(3000 ASCII chars)", op: () => internalsUtf8.codePointLength(ascii3000), sync: true },
  { name: "/[^\\x00-\\x7F]/.test(3000 ASCII chars) (an ASCII fast path)", op: () => /[^\x00-\x7F]/.test(ascii3000), sync: true },
  { name: "openapi-fetch POST, stub fetch (Request + Response objects)", op: () => oapiStub.POST(CREATE_PATH, { params: { query: oapiQuery() }, body: body as never }) },
  { name: "validateRequest(createTopic, ALL IN ONE example)", op: () => sdk.validateRequest("createTopic", body), sync: true },
  { name: "validateRequest(createTopic, maximal ALL IN ONE)", op: () => sdk.validateRequest("createTopic", maximal), sync: true },
  { name: "new Request(url, {POST, headers, body}) + await .text()", op: async () => new Request(sampleUrl, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) }).text() },
  { name: "new URL(url) + redact(url.href)", op: () => sdk.redact(new URL(sampleUrl).href, [creds.secretKey]), sync: true },
  { name: "AbortController + setTimeout + clearTimeout", op: () => clearTimeout(setTimeout(() => new AbortController().abort(), 5000)), sync: true },
  { name: "new Response(null, {status: 200})", op: () => new Response(null, { status: 200 }), sync: true },
  { name: "crypto.getRandomValues(new Uint32Array(1))[0]", op: () => crypto.getRandomValues(new Uint32Array(1))[0], sync: true },
  ...(retryPolicy.parseRetryAfter ? [{ name: "parseRetryAfter(headers)", op: () => retryPolicy.parseRetryAfter!(stubHeaders, Date.now()), sync: true }] : []),
  { name: "credentials.current() (cached)", op: () => credentials.current() },
];
const microRates = new Map(micro.map((m) => [m.name, [] as number[]]));
for (const m of micro) (m.sync ? syncOpsRound(m.op, 100) : await opsRound(m.op, 100));
for (let r = 0; r < ROUNDS; r++) {
  for (const m of rotate(micro, r)) {
    const cpu = cpuMeter();
    let ops: number;
    const t0 = performance.now();
    if (m.sync) ops = (syncOpsRound(m.op, 100).rate * (performance.now() - t0)) / 1000;
    else ops = ((await opsRound(m.op, 100)) * (performance.now() - t0)) / 1000;
    microRates.get(m.name)!.push(cpu() / ops);
  }
}
out.push("");
out.push(`| No network: one operation | µs/op (CPU) |`);
out.push("|---|---:|");
for (const m of micro) out.push(`| ${m.name} | ${median(microRates.get(m.name)!).toFixed(2)} |`);
process.stdout.write(`\n${out.join("\n")}\n`);
