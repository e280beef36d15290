#!/usr/bin/env node
/**
 * @module cli — the `tim-topics` command: Community topics from a terminal or a script. Node only; the library's
 * entries never import it. Exit codes: 0 done, 1 some work failed, 2 usage error. With `--json`, stdout carries
 * one JSON document and nothing else; human messages go to stderr.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createClient,
  genUserSig,
  isTimError,
  regions,
  TimAbortError,
  TimValidationError,
  validateRequest,
  verifyUserSig,
  type ClientOptions,
  type Region,
  type TimClient,
} from "../../index.js";
import { requestRules } from "../../../generated/request-rules.js";
import { operationTable } from "../../operations.js";
import { createEmulator } from "../../testing/index.js";
import { startPrism } from "../prism.js";
import { serveFetch } from "../serve.js";
import { integer, lineSelection, MAX_DEFAULT_CONCURRENCY, parse, profileFields, required, UsageError, type Parsed } from "./args.js";
import { bulkImport, sortByLine, type ImportRun, type ImportSummary } from "./bulk-import.js";
import { Journal, journaledFetch } from "./journal.js";
import { acquireLock } from "./lock.js";
import { progress } from "./progress.js";
import { CallGate } from "./stop.js";

interface Io {
  out(text: string): void;
  err(text: string): void;
  json: boolean;
}

/** The environment's credentials; a missing one is a usage error naming the variable. */
function credentials(command: string): { sdkAppId: number; identifier: string; secretKey: string } {
  const raw = process.env.TIM_SDKAPPID;
  if (!raw) throw new UsageError(`${command}: set TIM_SDKAPPID (the app's SDKAppID) in the environment`);
  const sdkAppId = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(sdkAppId) || sdkAppId < 1) throw new UsageError(`${command}: TIM_SDKAPPID must be a positive integer (the app's SDKAppID)`);
  const secretKey = process.env.TIM_SECRET_KEY;
  if (!secretKey) throw new UsageError(`${command}: set TIM_SECRET_KEY in the environment (it is never taken from the command line)`);
  return { sdkAppId, identifier: process.env.TIM_IDENTIFIER || "administrator", secretKey };
}

function client(parsed: Parsed, extra: Partial<ClientOptions> = {}): { im: TimClient; identifier: string } {
  const creds = credentials(parsed.command);
  const baseUrl = parsed.values["base-url"];
  const region = parsed.values.region;
  if (baseUrl !== undefined && region !== undefined) throw new UsageError(`${parsed.command}: --base-url and --region are exclusive`);
  if (region !== undefined && !regions.includes(region as Region)) throw new UsageError(`${parsed.command}: --region must be one of ${regions.join(", ")}`);
  const where = typeof baseUrl === "string" ? { baseUrl } : { region: (region as Region | undefined) ?? "cn" };
  return { im: createClient({ ...creds, ...where, ...extra } as ClientOptions), identifier: creds.identifier };
}

/** The library's typed error as output: a JSON document, or a line that names the field or option at fault. */
function describe(error: unknown): { text: string; json: unknown } {
  if (!isTimError(error)) return { text: String(error), json: { name: "Error", message: String(error) } };
  return { text: `${error.name}: ${error.message}`, json: error.toJSON() };
}

async function create(parsed: Parsed, io: Io): Promise<number> {
  const { im } = client(parsed);
  const id = parsed.values.id;
  const body = { GroupId: required(parsed, "group"), TopicName: required(parsed, "name"), ...(typeof id === "string" ? { TopicId: id } : {}), ...profileFields(parsed) };
  const result = await im.createTopic(body);
  if (io.json) io.out(JSON.stringify({ TopicId: result.TopicId, attempts: result.meta.attempts, readBack: result.meta.readBack ?? false }));
  else io.out(`created ${result.TopicId}${result.meta.readBack ? " (read back after a lost answer)" : ""}`);
  return 0;
}

async function get(parsed: Parsed, io: Io): Promise<number> {
  const { im, identifier } = client(parsed);
  const topics = parsed.values.topic as string[] | undefined;
  const filter = parsed.values.filter as string[] | undefined;
  const from = parsed.values.from;
  const result = await im.getTopic({
    GroupId: required(parsed, "group"),
    From_Account: typeof from === "string" ? from : identifier,
    ...(topics?.length ? { TopicIdList: topics } : {}),
    ...(filter?.length ? { ResponseFilter: filter as never } : {}),
  });
  const failed = result.topics.filter((t) => !t.ok).length;
  if (io.json) {
    io.out(JSON.stringify({ topics: result.topics.map((t) => (t.ok ? { ok: true, TopicId: t.TopicId, TopicInfo: t.TopicInfo } : { ok: false, TopicId: t.TopicId, error: t.error.toJSON() })) }));
  } else {
    if (result.topics.length === 0) io.out("no topics");
    for (const t of result.topics) {
      if (t.ok) io.out(`${t.TopicId}\t${t.TopicInfo.TopicName ?? ""}${t.TopicInfo.MuteAllMember === "On" ? "\t(muted)" : ""}`);
      else io.out(`${t.TopicId ?? "?"}\tfailed: ${t.error.code} ${t.error.meaning?.en ?? t.error.info}`);
    }
  }
  return failed ? 1 : 0;
}

async function modify(parsed: Parsed, io: Io): Promise<number> {
  const { im } = client(parsed);
  const mute = parsed.values.mute;
  if (mute !== undefined && mute !== "on" && mute !== "off") throw new UsageError("modify: --mute must be on or off");
  const changes = { ...profileFields(parsed), ...(mute ? { MuteAllMember: mute === "on" ? ("On" as const) : ("Off" as const) } : {}) };
  if (Object.keys(changes).length === 0) throw new UsageError("modify: give at least one change (--name, --mute, --notification, …)");
  const body = { GroupId: required(parsed, "group"), TopicId: required(parsed, "topic"), ...changes };
  const result = await im.modifyTopic(body);
  if (io.json) io.out(JSON.stringify({ ok: true, TopicId: body.TopicId, attempts: result.meta.attempts }));
  else io.out(`modified ${body.TopicId}`);
  return 0;
}

/** Ctrl-C and SIGTERM for a bulk command: the first stops it gently, the second leaves at once after `atOnce`. */
function onStopSignals(stop: AbortController, io: Io, gently: string, atOnce: () => void): () => void {
  const onSignal = () => {
    if (stop.signal.aborted) {
      atOnce();
      process.exit(130); // the exit handlers (the journal's lock) still run
    }
    stop.abort();
    io.err(`stopping: ${gently} (Ctrl-C again to leave at once) …`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

interface DestroyOutcome {
  TopicId: string;
  ok: boolean;
  code?: number;
  error?: string;
  reason?: string;
  alreadyApplied?: boolean;
}

async function destroy(parsed: Parsed, io: Io): Promise<number> {
  const group = required(parsed, "group");
  const listed = (parsed.values.topic as string[] | undefined) ?? [];
  const all = parsed.values.all === true;
  if (all === listed.length > 0) throw new UsageError("destroy: give --topic ID (one or more) or --all, not both");
  const rate = integer(parsed, "rate", operationTable.destroyTopic.rateLimitPerSecond);
  // One call per batch of as many IDs as a list takes (the spec's maxItems); the client keeps to the rate.
  const batchSize = requestRules.destroyTopic.fields.TopicIdList.maxItems;
  const batchesOf = (ids: string[]) => Array.from({ length: Math.ceil(ids.length / batchSize) }, (_, i) => ids.slice(i * batchSize, (i + 1) * batchSize));
  // Every batch is checked before the first is sent: a malformed ID is a usage error (exit 2, naming the field),
  // not a failure found halfway through.
  for (const batch of batchesOf(listed)) validateRequest("destroyTopic", { GroupId: group, TopicIdList: batch });
  const stop = new AbortController();
  const gate = new CallGate(stop.signal);
  const { im, identifier } = client(parsed, { rateLimit: { perSecond: rate }, onRetry: gate.onRetry });
  let ids = listed;
  const outcomes: DestroyOutcome[] = [];
  /** IDs not sent, or sent by a call the stop cut short (not known to be destroyed: a re-run finishes them). */
  const notDone: string[] = [];
  const report = (interrupted: boolean) => {
    const pending = new Set(outcomes.map((o) => o.TopicId));
    const left = interrupted ? ids.filter((id) => !pending.has(id)) : notDone;
    const failed = outcomes.filter((o) => !o.ok);
    const destroyed = outcomes.length - failed.length;
    if (io.json) io.out(JSON.stringify({ destroyed, failed, topics: outcomes, ...(interrupted ? { interrupted: true, notDestroyed: left } : {}) }));
    else {
      io.out(`destroyed ${destroyed} of ${ids.length} topic(s)`);
      for (const f of failed) io.out(`  ${f.TopicId}: ${f.code !== undefined ? `${f.code} ` : ""}${f.reason}`);
      if (interrupted) io.out(`stopped: ${left.length} topic(s) not destroyed, or not confirmed; run the same command again to finish`);
    }
    return failed.length || interrupted ? 1 : 0;
  };
  let bar = progress(0, "destroy", "off");
  let listingStopped = false;
  const offSignals = onStopSignals(stop, io, "no new batch is sent; waiting for those in flight", () => {
    bar.end();
    report(true);
  });
  try {
    if (all) {
      const existing = await im.getTopic({ GroupId: group, From_Account: identifier }, { signal: stop.signal });
      ids = existing.topics.filter((t) => t.ok).map((t) => t.TopicId!);
    }
    bar = progress(ids.length, "destroy", io.json ? "off" : process.stderr.isTTY ? "tty" : "lines");
    let settled = 0;
    await Promise.all(
      batchesOf(ids).map(async (batch) => {
        const call = gate.begin();
        try {
          const result = await im.destroyTopic({ GroupId: group, TopicIdList: batch }, { signal: call.signal, onRequest: call.onRequest });
          for (const t of result.topics) {
            outcomes.push(t.ok ? { TopicId: t.TopicId, ok: true, ...(t.alreadyApplied ? { alreadyApplied: true } : {}) } : { TopicId: t.TopicId ?? "?", ok: false, code: t.error.code, reason: t.error.message });
          }
        } catch (error) {
          if (!isTimError(error)) throw error;
          if (error instanceof TimAbortError) return void notDone.push(...batch); // stopped: sent or not, a re-run finishes it
          // The whole batch failed: each of its topics says why, with IM's code when IM gave one.
          const code = "code" in error && typeof error.code === "number" ? { code: error.code } : {};
          for (const TopicId of batch) outcomes.push({ TopicId, ok: false, ...code, error: error.name, reason: error.message });
        } finally {
          call.end();
          bar.tick((settled += batch.length));
        }
      }),
    );
  } catch (error) {
    // Stopped while reading the topics to destroy (--all): nothing was destroyed.
    if (!(error instanceof TimAbortError && stop.signal.aborted)) throw error;
    listingStopped = true;
  } finally {
    bar.end();
    offSignals();
  }
  return report(listingStopped || (stop.signal.aborted && (notDone.length > 0 || outcomes.length < ids.length)));
}

async function importCommand(parsed: Parsed, io: Io): Promise<number> {
  const file = required(parsed, "file");
  if (!existsSync(file)) throw new UsageError(`import: --file ${file}: no such file`);
  const journalPath = typeof parsed.values.journal === "string" ? parsed.values.journal : `${file}.journal`;
  const rate = integer(parsed, "rate", operationTable.importTopic.rateLimitPerSecond);
  // Calls in flight = rate × latency: as many in flight as calls per second keeps the rate limit the bound up to 1 s
  // of latency (32 capped a 250 ms IM at 128/s). Bounded: each call in flight holds a socket and its line.
  const concurrency = integer(parsed, "concurrency", Math.min(rate, MAX_DEFAULT_CONCURRENCY), 1000);
  const acceptUncertain = lineSelection(parsed, "accept-uncertain");
  const resendUncertain = lineSelection(parsed, "resend-uncertain");
  credentials("import"); // a usage error before the lock is taken
  // Held from before the journal is read until this run ends (an exit handler covers process.exit): two runs of one
  // journal would each send the lines it does not know.
  const lock = acquireLock(`${journalPath}.lock`);
  let journal: Journal | undefined;
  let running: ImportRun | undefined;
  const stop = new AbortController();
  const offSignals = onStopSignals(stop, io, "no new lines are sent; waiting for those in flight", () => {
    // A second Ctrl-C: leave now, still with a summary (a script reading --json gets one document).
    journal?.syncNow();
    if (running) {
      const summary = { ...running.summary, notStarted: running.unsent(), interrupted: true };
      sortByLine(summary);
      printImport(summary, io, journalPath, resumeCommand(parsed, journalPath), running.inFlight());
    }
    io.err("stopped at once; lines in flight are recorded as sending and checked on the next run");
  });
  try {
    journal = new Journal(journalPath);
    const gate = new CallGate(stop.signal);
    // The journal's fetch: a request leaves only once its `sending` record is on the disk.
    const fetch = journaledFetch(journal);
    const { im, identifier } = client(parsed, { rateLimit: { perSecond: rate }, onRetry: gate.onRetry, fetch });
    running = bulkImport({
      file,
      journal,
      left: fetch.left,
      concurrency,
      im,
      identifier,
      stop: stop.signal,
      gate,
      progressMode: io.json ? "off" : process.stderr.isTTY ? "tty" : "lines",
      ...(acceptUncertain ? { acceptUncertain } : {}),
      ...(resendUncertain ? { resendUncertain } : {}),
    });
    const summary = await running.finished;
    await journal.close();
    if (summary.journalUnreadable) io.err(`${summary.journalUnreadable} journal record(s) could not be read (a run cut short mid-write); their lines were treated as never seen`);
    printImport(summary, io, journalPath, resumeCommand(parsed, journalPath));
    if (journal.failure) io.err(`tim-topics: ${journal.failure.message}; the run stopped`);
    return summary.failed.length || summary.invalid.length || summary.uncertain.length || summary.interrupted || journal.failure ? 1 : 0;
  } finally {
    offSignals();
    await journal?.close().catch(() => {});
    lock.release();
  }
}

/** The summary: one JSON document, or lines for people; `inFlight` when the run was left at once. */
function printImport(summary: ImportSummary, io: Io, journal: string, resume: string, inFlight?: number): void {
  const left = inFlight === undefined ? {} : { inFlight };
  if (io.json) {
    io.out(JSON.stringify({ ...summary, ...left, journal, resume: summary.interrupted ? resume : undefined }));
    return;
  }
  io.out(
    `lines ${summary.lines}: imported ${summary.done}${summary.verified ? ` (${summary.verified} found imported by an earlier run)` : ""}, skipped ${summary.skipped} (done before)` +
      `${summary.accepted ? `, accepted ${summary.accepted} (uncertain, settled now)` : ""}${summary.duplicates.length ? `, duplicates ${summary.duplicates.length}` : ""}` +
      `, failed ${summary.failed.length}, uncertain ${summary.uncertain.length}, invalid ${summary.invalid.length}`,
  );
  const lines = [
    ...summary.invalid.map((r) => ({ r, kind: "invalid" })),
    ...summary.failed.map((r) => ({ r, kind: "failed" })),
    ...summary.uncertain.map((r) => ({ r, kind: r.earlier ? "uncertain since an earlier run" : "uncertain" })),
    ...summary.duplicates.map((r) => ({ r, kind: "duplicate" })),
  ].sort((a, b) => a.r.line - b.r.line);
  for (const { r, kind } of lines) io.out(`  line ${r.line} ${kind}${r.field ? ` (${r.field})` : ""}${r.code !== undefined ? ` [${r.code}]` : ""}: ${r.reason}`);
  if (summary.uncertain.length) {
    const which = summary.uncertain.map((r) => r.line).join(",");
    io.out(
      `uncertain lines may or may not have been imported, and have no TopicId to check by. Look for them in IM (tim-topics get --group G), then re-run with --accept-uncertain=${which} for those that exist (or that you do not want) and --resend-uncertain=LINES for those that do not`,
    );
  }
  if (summary.interrupted) {
    const stopped = summary.stopped ? ` and ${summary.stopped} stopped between attempts` : "";
    const flying = inFlight ? `; ${inFlight} were in flight (recorded as sending: the next run checks them)` : "";
    io.out(`interrupted with ${summary.notStarted} line(s) not started${stopped}${flying}; the journal is up to date. Resume with: ${resume}`);
  }
}

/** The command that resumes this import: the same options, shell-quoted, with the journal named. */
function resumeCommand(parsed: Parsed, journal: string): string {
  const words = ["tim-topics", "import"];
  const values: Parsed["values"] = { ...parsed.values, journal };
  for (const [name, value] of Object.entries(values)) {
    // Decisions about uncertain lines are in the journal once made: giving them again would name settled lines.
    if (name === "json" || name === "accept-uncertain" || name === "resend-uncertain" || value === undefined || value === false) continue;
    if (value === true) words.push(`--${name}`);
    // `--name=value`: a value that starts with "-" is still read as the value.
    else for (const one of Array.isArray(value) ? value : [value]) words.push(`--${name}=${one}`);
  }
  return words.map(shellQuote).join(" ");
}

/** A word as a POSIX shell reads it back unchanged. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

async function usersig(parsed: Parsed, io: Io): Promise<number> {
  const { sdkAppId, identifier, secretKey } = credentials("usersig");
  const [action, sig] = parsed.positionals;
  if (action === "verify") {
    if (!sig) throw new UsageError("usersig verify: give the UserSig to check (usersig verify SIG)");
    const verdict = await verifyUserSig(sig, { sdkAppId, identifier, secretKey });
    if (io.json) io.out(JSON.stringify(verdict));
    else io.out(verdict.ok ? `valid for ${verdict.identifier} of ${verdict.sdkAppId} until ${new Date(verdict.expiresAt * 1000).toISOString()}` : `invalid: ${verdict.reason} (${verdict.message})`);
    return verdict.ok ? 0 : 1;
  }
  if (action !== undefined) throw new UsageError(`usersig: unknown argument \`${action}\` (usersig [--expire SECONDS] | usersig verify SIG)`);
  const expireSeconds = integer(parsed, "expire", 86400);
  const signed = await genUserSig({ sdkAppId, identifier, secretKey, expireSeconds });
  if (io.json) io.out(JSON.stringify({ userSig: signed, identifier, sdkAppId, expireSeconds }));
  else io.out(signed);
  return 0;
}

/** Serves until SIGINT/SIGTERM; prints the URL (or `{ url }` with --json) once listening. */
async function serveUntilStopped(io: Io, url: string, what: string, close: () => Promise<void>): Promise<number> {
  if (io.json) io.out(JSON.stringify({ url }));
  else io.out(`${what} on ${url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await close();
  return 0;
}

async function emulator(parsed: Parsed, io: Io): Promise<number> {
  const secretKey = process.env.TIM_SECRET_KEY;
  if (!secretKey) throw new UsageError("emulator: set TIM_SECRET_KEY in the environment (the key its UserSigs are checked with)");
  const sdkAppId = Number(process.env.TIM_SDKAPPID ?? 1400000000);
  if (!Number.isSafeInteger(sdkAppId) || sdkAppId < 1) throw new UsageError("emulator: TIM_SDKAPPID must be a positive integer");
  const emu = createEmulator({ sdkAppId, secretKey, identifier: process.env.TIM_IDENTIFIER || "administrator" });
  const served = await serveFetch(emu.handle, { port: parsed.values.port === undefined ? 0 : integer(parsed, "port", 1, 65535) });
  return serveUntilStopped(io, served.url, "IM emulator", served.close);
}

async function mock(parsed: Parsed, io: Io): Promise<number> {
  const port = parsed.values.port === undefined ? undefined : integer(parsed, "port", 4010, 65535);
  const prism = await startPrism(port === undefined ? {} : { port }).catch((error: Error) => {
    throw new UsageError(`mock: ${error.message}`);
  });
  return serveUntilStopped(io, prism.url, "Prism mock of the packaged spec", prism.stop);
}

const RUN: Record<string, (parsed: Parsed, io: Io) => Promise<number>> = { create, get, modify, destroy, import: importCommand, usersig, emulator, mock };

export async function main(argv: readonly string[], io: Omit<Io, "json">): Promise<number> {
  const wantsJson = argv.includes("--json");
  try {
    const parsed = parse(argv);
    if ("help" in parsed) {
      io.out(parsed.help);
      return 0;
    }
    if ("version" in parsed) {
      io.out(wantsJson ? JSON.stringify({ version: version() }) : `tim-topics ${version()}`);
      return 0;
    }
    return await RUN[parsed.command]!(parsed, { ...io, json: parsed.values.json === true });
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof TimValidationError || (isTimError(error) && error.name === "TimConfigError");
    const { text, json } = error instanceof UsageError ? { text: error.message, json: { name: "UsageError", message: error.message } } : describe(error);
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: json }));
    io.err(`tim-topics: ${text}`);
    return usage ? 2 : 1;
  }
}

/** The package's version, from its package.json: found upward from here (dist/src/node/cli/ when built, src/node/cli/ in the repo). */
function version(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)), up = 0; up < 6; dir = path.dirname(dir), up++) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "tim-topics" && pkg.version) return pkg.version;
  }
  return "unknown";
}

// Run when executed (the `tim-topics` bin), not when imported by a test.
const invokedAs = process.argv[1] ?? "";
if (/(?:^|[/\\])(?:main\.js|tim-topics)$/.test(invokedAs)) {
  main(process.argv.slice(2), { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`tim-topics: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
