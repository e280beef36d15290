/**
 * @module test-runtimes — `npm run test:runtimes`: the runtime matrix.
 *
 * Builds dist/, starts one Prism mock (scripts/prism.mjs), then runs, for real, in every runtime:
 *   - the shared scenario (test/runtimes/scenario.mjs): UserSig round trip, createTopic, getTopic, a validation error
 *     with no request sent, a TimApiError from a named Prism example, the five-operation lifecycle on Prism and on
 *     the in-process emulator (tim-topics/testing); originally: a validation error
 *     with no request sent, a TimApiError 10010 from a named Prism example (and the browser-only secretKey guard);
 *   - that runtime's example from examples/, unchanged, checked by what it prints or answers;
 *   - tim-topics/callbacks served by that runtime's own server over loopback (test/runtimes/callback-*.mjs), and its
 *     callback example unchanged (callbacks-node.mjs, callbacks-deno.ts, callbacks-bun.ts, callbacks-worker.mjs in
 *     workerd), which must also stop, naming its settings, when they are missing.
 * Node 20/22/24, Deno and Bun import `tim-topics` from dist/ through the package's own `exports` (self-reference);
 * Chromium, workerd and edge-runtime get an esbuild bundle of dist/ (they resolve no bare specifiers).
 * Prints a table and exits 1 if any runtime failed.
 *
 * Flags: --no-build (reuse dist/), --only=node20,deno,… (ids below), --verbose (print every check).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { tsImport } from "tsx/esm/api";
import { build, distEntry, root } from "./build.mjs";
import { denoBinary, nodeBinary } from "./node-versions.mjs";
import { startPrism } from "./prism.mjs";
import { listCallbacks } from "./lib/callbacks.mjs";
import { exampleValues, listOperations, loadSpec } from "./lib/spec.mjs";
import { callbackFixture } from "../test/runtimes/callback-app.mjs";
import { fixture } from "../test/runtimes/scenario.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const only = argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const verbose = flag("verbose");

const bin = (relative) => path.join(root, relative);
const deno = denoBinary();
const bun = bin("node_modules/.bin/bun");
/** Per process / per page limit; the whole matrix normally takes well under a minute. */
const stepTimeoutMs = 60_000;
/** The compatibility date the Worker runs under (any date up to the installed workerd's works). */
const compatibilityDate = "2025-01-01";

const marker = "##tim-topics-scenario ";
/** The spec's examples, which Prism answers with: the scenario's fixture must agree with them. */
function checkFixtureAgainstSpec() {
  const entries = new Map(listOperations(loadSpec()).map((e) => [e.operationId, e]));
  const request = (id) => exampleValues(entries.get(id), "request");
  const response = (id) => exampleValues(entries.get(id), "response");
  const listed = response("getTopic").basic.TopicAndSelfInfo[0].TopicInfo;
  const expected = {
    createdTopicId: response("createTopic").basic.TopicId,
    listedTopicId: listed.TopicId,
    listedTopicName: listed.TopicName,
    groupId: request("createTopic").basic.GroupId,
    destroyedTopicIds: request("destroyTopic").basic.TopicIdList,
    importedTopicId: response("importTopic").basic.TopicId,
  };
  const wrong = Object.entries(expected).filter(([key, value]) => JSON.stringify(fixture[key]) !== JSON.stringify(value));
  if (!response("createTopic").error10010) wrong.push(["error10010", "(no such named example)"]);
  if (wrong.length) {
    throw new Error(`test/runtimes/scenario.mjs's fixture disagrees with the spec's examples: ${wrong.map(([k, v]) => `${k} should be ${JSON.stringify(v)}`).join("; ")}`);
  }
}
/** The environment every example reads: the Prism URL, and the IM values the examples default to anyway. */
const exampleEnv = (baseUrl) => ({
  TIM_BASE_URL: baseUrl,
  TIM_SDKAPPID: String(fixture.sdkAppId),
  TIM_IDENTIFIER: fixture.identifier,
  TIM_SECRET_KEY: fixture.secretKey,
  TIM_GROUP_ID: fixture.groupId,
});

/** What a runnable example must print: the created topic and the listed one. */
function checkExampleOutput(stdout) {
  const missing = [`created ${fixture.createdTopicId}`, `topic ${fixture.listedTopicId}: ${fixture.listedTopicName}`].filter((s) => !stdout.includes(s));
  return missing.length === 0 ? undefined : `example output lacks ${missing.map((s) => JSON.stringify(s)).join(", ")}`;
}

// ───────────────────────────── process runtimes: Node, Deno, Bun ─────────────────────────────

function run(command, args, { env = {}, timeoutMs = stepTimeoutMs } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.on("error", (error) => (stderr += `\n${error.message}`));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function versionOf(command, args = ["--version"]) {
  const out = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  return (out.stdout || out.stderr || "?").split("\n")[0].trim();
}

/**
 * Runs the scenario runner, the example and the callback example (`callbacks`: its file and the runtime's arguments
 * before it) as processes of the same runtime.
 */
async function processRuntime({ command, prefix, example, callbacks }, baseUrl) {
  const scenario = await run(command, [...prefix, "test/runtimes/cli.mjs", baseUrl]);
  const line = scenario.stdout.split("\n").find((l) => l.startsWith(marker));
  const result = line ? JSON.parse(line.slice(marker.length)) : { ok: false, checks: [] };
  const served = await processCallbacks(command, prefix);
  result.checks.push(served);
  result.ok &&= served.ok;
  const callbackProblems = await callbackServerExample(command, callbacks.prefix, callbacks.example);
  const problems = [];
  if (!line || scenario.code !== 0) problems.push(`scenario exited ${scenario.code}${line ? "" : " without a result"}\n${indent(scenario.stdout + scenario.stderr)}`);

  const ex = await run(command, [...prefix, example], { env: exampleEnv(baseUrl) });
  const exampleProblem = ex.code !== 0 ? `exited ${ex.code}` : checkExampleOutput(ex.stdout);
  if (exampleProblem) problems.push(`${example}: ${exampleProblem}\n${indent(ex.stdout + ex.stderr)}`);
  problems.push(...callbackProblems);
  return { result, example: { name: `${example} + ${callbacks.example}`, ok: !exampleProblem && callbackProblems.length === 0 }, problems };
}

// ───────────────────────────── callbacks: each runtime serves tim-topics/callbacks over loopback ─────────────────────────────

/**
 * POSTs a signed callback for each command of the spec (its doc example), a before-create veto and one with a
 * tampered Sign to `origin` (the runtime's server), then reads back which handlers ran: one check for the table.
 */
async function driveCallbacks(origin) {
  const started = performance.now();
  const name = "serves tim-topics/callbacks over loopback: every command's doc example verified and dispatched, a veto, a tampered Sign refused";
  try {
    const { signCallback } = await import(pathToFileURL(path.join(root, "dist/src/callbacks/index.js")).href);
    const entries = listCallbacks(loadSpec()).entries;
    const send = async (command, body, tamper = false) => {
      const request = await signCallback({ ...callbackFixture, command, body, url: `${origin}/im-callback` });
      const url = new URL(request.url);
      if (tamper) url.searchParams.set("Sign", "0".repeat(64));
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: await request.text() });
      return { status: response.status, body: await response.json() };
    };
    for (const entry of entries) {
      const reply = await send(entry.command, entry.body.examples.basic);
      if (reply.status !== 200 || reply.body.ErrorCode !== 0) throw new Error(`${entry.command}: ${JSON.stringify(reply)}`);
    }
    const before = entries.find((e) => e.kind === "before");
    const veto = await send(before.command, { ...before.body.examples.basic, Name: "veto" });
    if (veto.body.ErrorCode !== 10150 || veto.body.ActionStatus !== "OK") throw new Error(`veto: ${JSON.stringify(veto)}`);
    const tampered = await send(before.command, before.body.examples.basic, true);
    if (tampered.status !== 401) throw new Error(`tampered Sign: ${JSON.stringify(tampered)}`);
    const seen = await (await fetch(`${origin}/__seen`)).json();
    const expected = [...entries.map((e) => e.handler), before.handler];
    if (JSON.stringify(seen.map((s) => s.handler)) !== JSON.stringify(expected) || seen.some((s) => s.optPlatform !== "RESTAPI")) {
      throw new Error(`handlers ran: ${JSON.stringify(seen)}; expected ${JSON.stringify(expected)}`);
    }
    return { name, ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { name, ok: false, ms: Math.round(performance.now() - started), error: String(error?.stack ?? error) };
  }
}

/** The callback examples: a topic named "spam" refused, another allowed, an unsigned request refused. */
async function checkCallbackExample(origin, name) {
  const { signCallback } = await import(pathToFileURL(path.join(root, "dist/src/callbacks/index.js")).href);
  const command = "Group.CallbackBeforeCreateTopic";
  const post = async (options) => {
    const request = await signCallback({ sdkAppId: callbackFixture.sdkAppId, command, url: `${origin}/`, ...options });
    const response = await fetch(request.url, { method: "POST", headers: { "content-type": "application/json" }, body: await request.text() });
    return { status: response.status, code: (await response.json()).ErrorCode };
  };
  const body = (Name) => ({ Operator_Account: "u", Type: "Community", Name });
  const results = [await post({ token: callbackFixture.token, body: body("spam offers") }), await post({ token: callbackFixture.token, body: body("General") }), await post({ body: body("General") })];
  const ok = JSON.stringify(results) === JSON.stringify([{ status: 200, code: 1 }, { status: 200, code: 0 }, { status: 401, code: 1 }]);
  return ok ? [] : [`${name}: ${JSON.stringify(results)}`];
}

/** The settings the callback examples read (PORT 0: a free port, which they print). */
const callbackExampleEnv = { PORT: "0", TIM_SDKAPPID: String(callbackFixture.sdkAppId), TIM_CALLBACK_TOKEN: callbackFixture.token };

/**
 * Runs a callback server example unchanged in its runtime on a free port and checks it answers as it says over
 * loopback; and that without its settings it stops, naming them, instead of serving with a default token.
 */
async function callbackServerExample(command, prefix, example) {
  const problems = [];
  const unset = await run(command, [...prefix, example], { env: { TIM_SDKAPPID: "", TIM_CALLBACK_TOKEN: "", PORT: "0" }, timeoutMs: 20_000 });
  if (unset.code === 0 || unset.code === null || !/TIM_CALLBACK_TOKEN/.test(unset.stderr) || /listening on/.test(unset.stdout)) {
    problems.push(`${example} without settings: exited ${unset.code}, should stop naming TIM_CALLBACK_TOKEN\n${indent(unset.stdout + unset.stderr)}`);
  }
  const child = spawn(command, [...prefix, example], { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...callbackExampleEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  try {
    const origin = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening:\n${output}`)), stepTimeoutMs);
      child.stdout.on("data", (d) => {
        output += d;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) (clearTimeout(timer), resolve(match[1]));
      });
      child.stderr.on("data", (d) => (output += d));
      child.on("exit", (code) => (clearTimeout(timer), reject(new Error(`exited ${code}:\n${output}`))));
    });
    problems.push(...(await checkCallbackExample(origin, example)));
  } catch (error) {
    problems.push(`${example}: ${error}`);
  } finally {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
  return problems;
}

/** Starts callback-serve.mjs in a runtime process, drives it, stops it. */
async function processCallbacks(command, prefix) {
  const child = spawn(command, [...prefix, "test/runtimes/callback-serve.mjs"], { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port within ${stepTimeoutMs} ms:\n${output}`)), stepTimeoutMs);
      const onData = (d) => {
        output += d;
        const match = /##tim-topics-callbacks (\d+)/.exec(output);
        if (match) (clearTimeout(timer), resolve(Number(match[1])));
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (d) => (output += d));
      child.on("exit", (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
    return await driveCallbacks(`http://127.0.0.1:${port}`);
  } catch (error) {
    return { name: "serves tim-topics/callbacks over loopback", ok: false, ms: 0, error: String(error) };
  } finally {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}

// ───────────────────────────── bundles for runtimes without a module resolver ─────────────────────────────

/** esbuild, with `tim-topics` pointed at dist/ (what the package publishes). */
async function bundle(entry, { format = "esm", platform = "browser", conditions } = {}) {
  const out = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format,
    platform,
    target: "es2022",
    alias: {
      "tim-topics": distEntry,
      "tim-topics/testing": path.join(root, "dist/src/testing/index.js"),
      "tim-topics/callbacks": path.join(root, "dist/src/callbacks/index.js"),
    },
    ...(conditions ? { conditions } : {}),
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

// ───────────────────────────── Chromium (playwright-core + the system browser) ─────────────────────────────

async function chromiumRuntime(baseUrl, info) {
  const { genUserSig } = await import(pathToFileURL(distEntry).href);
  const sdkBundle = await bundle("dist/src/index.js");
  const testingBundle = await bundle("dist/src/testing/index.js");
  const files = {
    "/matrix.html": ["text/html", readFileSync(bin("test/runtimes/browser.html"))],
    "/scenario.mjs": ["text/javascript", readFileSync(bin("test/runtimes/scenario.mjs"))],
    "/tim-topics.js": ["text/javascript", sdkBundle],
    "/tim-topics-testing.js": ["text/javascript", testingBundle],
    "/examples/browser.html": ["text/html", readFileSync(bin("examples/browser.html"))],
    "/examples/browser.js": ["text/javascript", readFileSync(bin("examples/browser.js"))],
    "/examples/tim-topics.js": ["text/javascript", sdkBundle],
  };
  let sigRequests = 0;
  // The page's origin is http://localhost:<port>; Prism is http://127.0.0.1:<other port>: every API call is cross-origin.
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, "http://localhost");
    if (pathname === "/usersig") {
      // Stands in for the app's backend: signs a short-lived UserSig for the page.
      sigRequests++;
      const sig = await genUserSig({ sdkAppId: fixture.sdkAppId, secretKey: fixture.secretKey, identifier: fixture.identifier, expireSeconds: 300 });
      res.writeHead(200, { "content-type": "text/plain" }).end(sig);
      return;
    }
    const file = files[pathname];
    if (!file) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": file[0], "cache-control": "no-store" }).end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://localhost:${server.address().port}`;

  // The shared launcher (system Chromium, quiet flags) and its context that aborts any non-local request.
  const { launchChromium, offlineContext } = await tsImport("../test/helpers/chromium.ts", import.meta.url);
  const browser = await launchChromium();
  info.version = `Chromium ${browser.version()}`;
  const problems = [];
  const logs = [];
  try {
    const { context, blocked } = await offlineContext(browser);
    context.setDefaultTimeout(stepTimeoutMs);
    const open = async (url) => {
      const page = await context.newPage();
      page.on("console", (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
      page.on("pageerror", (e) => logs.push(`[pageerror] ${e.message}`));
      page.on("requestfailed", (r) => logs.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText}`));
      await page.goto(url);
      return page;
    };

    const page = await open(`${origin}/matrix.html?baseUrl=${encodeURIComponent(baseUrl)}`);
    await page.waitForFunction(() => window.timResult !== undefined);
    const result = await page.evaluate(() => window.timResult);
    if (sigRequests === 0) result.checks.push({ name: "browser: userSig function was called", ok: false, ms: 0, error: "/usersig never requested" });

    const examplePage = await open(`${origin}/examples/browser.html?baseUrl=${encodeURIComponent(baseUrl)}`);
    await examplePage.waitForFunction(() => document.documentElement.dataset.status !== undefined);
    const status = await examplePage.evaluate(() => document.documentElement.dataset.status);
    const text = await examplePage.textContent("#output");
    const expected = `${fixture.listedTopicId}  ${fixture.listedTopicName}`;
    const exampleOk = status === "ok" && text.includes(expected);
    if (!exampleOk) problems.push(`examples/browser.html: status ${status}, output:\n${indent(text)}`);
    if (blocked.length) problems.push(`requests that tried to leave the machine: ${blocked.join(", ")}`);
    if (!result.ok || !exampleOk) problems.push(indent(logs.join("\n")));
    return { result, example: { name: "examples/browser.html", ok: exampleOk }, problems };
  } finally {
    await browser.close();
    server.close();
  }
}

// ───────────────────────────── workerd (miniflare) ─────────────────────────────

async function workerdRuntime(baseUrl, info) {
  const { Miniflare, Log, LogLevel } = await import("miniflare");
  const workerOptions = { modules: true, compatibilityDate, bindings: exampleEnv(baseUrl) };
  // "workerd"/"worker" conditions, as wrangler resolves packages for Workers.
  const conditions = ["workerd", "worker", "browser"];
  const mf = new Miniflare({
    log: new Log(LogLevel.WARN),
    cf: false, // the placeholder `request.cf`, instead of fetching one from workers.cloudflare.com
    workers: [
      { name: "scenario", script: await bundle("test/runtimes/worker.mjs", { conditions }), ...workerOptions },
      { name: "example", script: await bundle("examples/cloudflare-worker.mjs", { conditions }), ...workerOptions },
    ],
  });
  try {
    await mf.ready;
    info.version = `workerd (miniflare ${readVersion("miniflare")}), compat ${compatibilityDate}`;
    const scenario = await mf.getWorker("scenario");
    const response = await scenario.fetch("http://worker/scenario");
    const body = await response.text();
    const result = response.ok ? JSON.parse(body) : { ok: false, checks: [{ name: "scenario worker", ok: false, ms: 0, error: `${response.status} ${body}` }] };
    const example = await mf.getWorker("example");
    const problems = await checkWorkerExample((url, init) => example.fetch(url, init).then(async (r) => ({ status: r.status, body: await r.text() })));
    const callbackExample = new Miniflare({
      log: new Log(LogLevel.WARN),
      cf: false,
      modules: true,
      compatibilityDate,
      bindings: { TIM_SDKAPPID: String(callbackFixture.sdkAppId), TIM_CALLBACK_TOKEN: callbackFixture.token },
      script: await bundle("examples/callbacks-worker.mjs", { conditions }),
    });
    try {
      problems.push(...(await checkCallbackExample((await callbackExample.ready).origin, "examples/callbacks-worker.mjs")));
    } finally {
      await callbackExample.dispose();
    }
    // The callback handler in a workerd of its own, reached over loopback HTTP at the URL miniflare serves it on.
    const served = new Miniflare({ log: new Log(LogLevel.WARN), cf: false, modules: true, compatibilityDate, script: await bundle("test/runtimes/callback-worker.mjs", { conditions }) });
    try {
      const check = await driveCallbacks((await served.ready).origin);
      result.checks.push(check);
      result.ok &&= check.ok;
    } finally {
      await served.dispose();
    }
    return { result, example: { name: "examples/cloudflare-worker.mjs, examples/callbacks-worker.mjs", ok: problems.length === 0 }, problems };
  } finally {
    await mf.dispose();
  }
}

/** Drives the Worker example's three routes through `call(url, init) → { status, body }`. */
async function checkWorkerExample(call) {
  const problems = [];
  const expect = async (what, url, init, status, predicate) => {
    try {
      const answer = await call(url, init);
      const body = answer.status < 500 || answer.status === 502 ? JSON.parse(answer.body) : answer.body;
      if (answer.status !== status || !predicate(body)) problems.push(`examples/cloudflare-worker.mjs ${what}: ${answer.status} ${answer.body}`);
    } catch (error) {
      problems.push(`examples/cloudflare-worker.mjs ${what}: ${error.stack ?? error}`);
    }
  };
  const post = (name) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
  await expect("GET /topics", "http://worker/topics?user=1400187352", undefined, 200, (b) => b?.[0]?.topicId === fixture.listedTopicId && b[0].name === fixture.listedTopicName);
  await expect("POST /topics", "http://worker/topics", post("TestTopic"), 201, (b) => b?.topicId === fixture.createdTopicId);
  await expect("POST /topics (31-byte name)", "http://worker/topics", post("话题名称测试话题名称a"), 400, (b) => b?.field === "TopicName" && b.rule === "maxBytes");
  return problems;
}

// ───────────────────────────── Vercel edge-runtime ─────────────────────────────

async function edgeRuntime(baseUrl, info) {
  const { EdgeRuntime } = await import("edge-runtime");
  info.version = `edge-runtime ${readVersion("edge-runtime")}`;
  const code = await bundle("test/runtimes/edge.mjs", { format: "iife", conditions: ["edge-light", "worker", "browser"] });
  const runtime = new EdgeRuntime({ initialCode: code });
  const result = JSON.parse(await runtime.evaluate(`timMatrix.scenario(${JSON.stringify(baseUrl)})`));
  const env = JSON.stringify(exampleEnv(baseUrl));
  const problems = await checkWorkerExample(async (url, init) =>
    JSON.parse(await runtime.evaluate(`timMatrix.workerExample(${JSON.stringify(url)}, ${JSON.stringify(init ?? {})}, ${env})`)),
  );
  // The callback handler as a fetch listener, served over loopback HTTP by edge-runtime's own server.
  const { runServer } = await import("edge-runtime");
  const callbackRuntime = new EdgeRuntime({ initialCode: await bundle("test/runtimes/callback-worker.mjs", { format: "iife", conditions: ["edge-light", "worker", "browser"] }) });
  const server = await runServer({ runtime: callbackRuntime, port: 0, host: "127.0.0.1" });
  try {
    const check = await driveCallbacks(new URL(server.url).origin);
    result.checks.push(check);
    result.ok &&= check.ok;
  } finally {
    await server.close();
  }
  return { result, example: { name: "examples/cloudflare-worker.mjs (fetch handler)", ok: problems.length === 0 }, problems };
}

// ───────────────────────────── the matrix ─────────────────────────────

const machineNode = process.execPath; // the machine's Node: no package links a `node` bin (see node-versions.mjs)
const machineNodeVersion = versionOf(machineNode);
const node22 = nodeBinary(22);
const node24 = nodeBinary(24);
const nodeJob = (command) => (url) => processRuntime({ command, prefix: [], example: "examples/node.mjs", callbacks: { prefix: [], example: "examples/callbacks-node.mjs" } }, url);
const runtimes = [
  // The machine's Node (20 here and in CI), then the two npm binaries.
  { id: "node20", name: `Node.js ${machineNodeVersion.replace(/^v(\d+).*/, "$1")} (machine)`, version: () => `Node ${machineNodeVersion}`, run: nodeJob(machineNode) },
  { id: "node22", name: "Node.js 22 (npm)", version: () => `Node ${versionOf(node22)}`, run: nodeJob(node22) },
  { id: "node24", name: "Node.js 24 (npm)", version: () => `Node ${versionOf(node24)}`, run: nodeJob(node24) },
  {
    id: "deno",
    name: "Deno",
    version: () => versionOf(deno).replace(/^deno (\S+).*/, "Deno $1"),
    // Network to 127.0.0.1 only, the example's env variables only; no file, no run, no FFI permission.
    run: (url) =>
      processRuntime(
        {
          command: deno,
          prefix: ["run", "--no-prompt", "--allow-net=127.0.0.1,localhost", `--allow-env=${Object.keys(exampleEnv(url)).join(",")},TIM_FROM_ACCOUNT`],
          example: "examples/deno.ts",
          // The permissions its header gives: listen on loopback, read its own three settings.
          callbacks: { prefix: ["run", "--no-prompt", "--allow-net=127.0.0.1", `--allow-env=${Object.keys(callbackExampleEnv).join(",")}`], example: "examples/callbacks-deno.ts" },
        },
        url,
      ),
  },
  {
    id: "bun",
    name: "Bun",
    version: () => `Bun ${versionOf(bun)}`,
    run: (url) => processRuntime({ command: bun, prefix: [], example: "examples/bun.ts", callbacks: { prefix: [], example: "examples/callbacks-bun.ts" } }, url),
  },
  {
    id: "chromium",
    name: "Chromium (headless)",
    version: () => "Chromium",
    run: chromiumRuntime,
    // The same switch as test/helpers/chromium.ts, for machines without Chromium; shown as "skipped", never as a pass.
    skip: () => process.env.TIM_SKIP_BROWSER === "1" && "TIM_SKIP_BROWSER=1",
  },
  { id: "workerd", name: "Cloudflare workerd", version: () => "workerd", run: workerdRuntime },
  { id: "edge", name: "Vercel edge-runtime", version: () => "edge-runtime", run: edgeRuntime },
];

function readVersion(pkg) {
  return JSON.parse(readFileSync(bin(`node_modules/${pkg}/package.json`), "utf8")).version;
}
function indent(text) {
  return String(text).trim().split("\n").map((l) => `      ${l}`).join("\n");
}

async function main() {
  const started = performance.now();
  checkFixtureAgainstSpec();
  if (!flag("no-build")) build();
  const selected = runtimes.filter((r) => !only || only.includes(r.id));
  if (selected.length === 0) throw new Error(`--only matched nothing; ids: ${runtimes.map((r) => r.id).join(", ")}`);

  const prism = await startPrism();
  console.log(`Prism mock on ${prism.url}`);
  const rows = [];
  try {
    for (const runtime of selected) {
      const skipped = runtime.skip?.();
      if (skipped) {
        rows.push({ name: runtime.name, version: "-", ok: true, result: "skipped", checks: "-", example: "-", ms: 0 });
        console.log(`\nSKIP ${runtime.name} (${skipped})`);
        continue;
      }
      const info = { version: runtime.version() };
      const t0 = performance.now();
      let outcome;
      try {
        // In-process runtimes (Chromium, workerd, edge-runtime) get the same limit as a child process.
        let timer;
        const limit = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${stepTimeoutMs * 2} ms`)), stepTimeoutMs * 2)));
        outcome = await Promise.race([runtime.run(prism.url, info), limit]).finally(() => clearTimeout(timer));
      } catch (error) {
        outcome = { result: { ok: false, checks: [] }, example: { name: "-", ok: false }, problems: [`${error.stack ?? error}`] };
      }
      const ms = performance.now() - t0;
      const { result, example, problems } = outcome;
      const passed = result.checks.filter((c) => c.ok).length;
      const ok = result.ok && result.checks.length > 0 && example.ok && problems.length === 0;
      rows.push({ name: runtime.name, version: info.version, ok, result: ok ? "pass" : "FAIL", checks: `${passed}/${result.checks.length}`, example: example.ok ? "ok" : "FAIL", ms });
      console.log(`\n${ok ? "PASS" : "FAIL"} ${runtime.name} (${info.version}) in ${(ms / 1000).toFixed(1)} s`);
      for (const c of result.checks) if (verbose || !c.ok) console.log(`  ${c.ok ? "✓" : "✗"} ${c.name}${c.ok ? "" : `\n      ${c.error}`}`);
      for (const p of problems) console.log(`  ✗ ${p}`);
    }
  } finally {
    await prism.stop();
  }

  const table = [
    ["runtime", "version", "result", "scenario checks", "example", "time"],
    ...rows.map((r) => [r.name, r.version, r.result, r.checks, r.example, `${(r.ms / 1000).toFixed(1)} s`]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log(`\n${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ")).join("\n")}`);
  const failed = rows.filter((r) => !r.ok).length;
  const skipped = rows.filter((r) => r.result === "skipped").length;
  const passed = rows.length - failed - skipped;
  console.log(`\n${passed}/${rows.length} runtimes passed${skipped ? `, ${skipped} skipped` : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
  // A runtime that timed out may still hold handles (a browser, a workerd process): don't wait for them.
  setTimeout(() => process.exit(), 2000).unref();
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});
