/**
 * @module cli/bulk-import — `tim-topics import`: one import_topic body per line, at IM's rate limit, resumable.
 *
 * Exactly once where it can be known:
 *  - a line with its own TopicId is safe to send again: the SDK retries it, and an "ID in use" answer
 *    (`x-duplicate-id-codes`) is checked by reading the topic back (`x-read-back`, the SDK's own policy): the same
 *    TopicName means an earlier run imported it. A second line with the same TopicId is not sent (reported);
 *  - a line without one is sent once: if its attempt may have been applied (a lost answer, or a run stopped while
 *    it was in flight), it is reported as uncertain and never sent again until the admin decides
 *    (`--accept-uncertain`, `--resend-uncertain`).
 * A line is journaled `sending` the moment its first attempt leaves (the call's `onRequest`; the journal is on the disk
 * before the request is, see journal.ts), so a line that was still waiting for a rate-limit slot when the run stopped
 * is simply not started. A stop (Ctrl-C) lets attempts on the wire finish and aborts the rest (cli/stop.ts).
 * Bad lines (not JSON, or invalid by the spec) are reported by line number and field; the others go on.
 */
import { readFileSync } from "node:fs";
import { isTimError, TimAbortError, TimValidationError, validateRequest, type RequestEvent, type TimClient, type TimError } from "../../index.js";
import { requestRules } from "../../../generated/request-rules.js";
import { readBack, type Run } from "../../call/read-back.js";
import { operationTable, type OperationId } from "../../operations.js";
import { UsageError } from "./args.js";
import type { Journal, LineState } from "./journal.js";
import { lineKeys } from "./journal.js";
import { progress } from "./progress.js";
import type { CallGate } from "./stop.js";

/** Line numbers a decision applies to, or every line it can apply to. */
export type LineSelection = "all" | ReadonlySet<number>;

export interface ImportOptions {
  file: string;
  /** Opened by the caller, under the journal's lock. */
  journal: Journal;
  concurrency: number;
  /** The client, rate-limited as asked, its `onRetry` the gate's and its fetch the journal's (`journaledFetch`). */
  im: TimClient;
  identifier: string;
  progressMode: "tty" | "lines" | "off";
  /**
   * Aborted to stop (Ctrl-C): no new line is sent, lines waiting for a rate-limit slot or a retry are dropped, and
   * attempts on the wire finish and are journaled.
   */
  stop: AbortSignal;
  /** Gives each line's call its signal; built on `stop`. */
  gate: CallGate;
  /** Whether any attempt of the call with this `random` reached the network (the journal's fetch knows). */
  left?: (random: number) => boolean;
  /** Lines found uncertain by an earlier run that the admin settled: accepted as they are, or to be sent again. */
  acceptUncertain?: LineSelection;
  resendUncertain?: LineSelection;
}

export interface LineReport {
  line: number;
  reason: string;
  field?: string;
  code?: number;
  /** Uncertain since an earlier run: it waits for a decision (`--accept-uncertain` or `--resend-uncertain`). */
  earlier?: true;
}

export interface ImportSummary {
  lines: number;
  done: number;
  /** Done in an earlier run (per the journal), or settled earlier with `--accept-uncertain`. */
  skipped: number;
  /** Of `done`: found imported by an earlier run that stopped before recording it, checked by reading it back. */
  verified: number;
  failed: LineReport[];
  uncertain: LineReport[];
  invalid: LineReport[];
  /** Lines with the TopicId of an earlier line and the same content: the same topic, not sent again. */
  duplicates: LineReport[];
  /** Uncertain lines settled by this run's `--accept-uncertain`. */
  accepted: number;
  /** Lines not sent because the run was stopped. */
  notStarted: number;
  /** Lines the stop caught between attempts: a re-run sends them again (nothing of theirs is known to be applied). */
  stopped: number;
  interrupted: boolean;
  /** Journal records that could not be read (a crash mid-write); their lines are treated as never seen. */
  journalUnreadable: number;
}

export interface ImportRun {
  /** Filled in as the run goes. */
  readonly summary: ImportSummary;
  /** Lines whose request is on the wire right now. */
  inFlight(): number;
  /** Lines not sent so far and not to be sent (valid once the run stops). */
  unsent(): number;
  readonly finished: Promise<ImportSummary>;
}

interface Line {
  line: number;
  key: string;
  body: Record<string, unknown>;
}

const IMPORT = operationTable.importTopic;

/** Starts the import; throws a UsageError (before sending anything) for a decision about a line it cannot apply to. */
export function bulkImport(options: ImportOptions): ImportRun {
  const { im, identifier, stop, journal, gate } = options;
  // A UTF-8 byte order mark (Windows editors write one) is not part of line 1's JSON.
  const texts = readFileSync(options.file, "utf8").replace(/^\uFEFF/, "").split(/\r?\n/);
  const keys = lineKeys(texts);
  const summary: ImportSummary = {
    lines: 0,
    done: 0,
    skipped: 0,
    verified: 0,
    failed: [],
    uncertain: [],
    invalid: [],
    duplicates: [],
    accepted: 0,
    notStarted: 0,
    stopped: 0,
    interrupted: false,
    journalUnreadable: journal.unreadable,
  };
  const idField = IMPORT.idempotencyKey!;
  const ownId = (body: Record<string, unknown>) => typeof body[idField] === "string";

  function note({ line, key }: { line: number; key: string }, state: LineState): void {
    journal.record(key, line, state);
    if (state.state === "done") summary.done++;
    else if (state.state === "invalid") summary.invalid.push({ line, reason: state.reason, ...(state.field ? { field: state.field } : {}) });
    else if (state.state === "uncertain") summary.uncertain.push({ line, reason: state.reason });
    else if (state.state === "failed") summary.failed.push({ line, reason: state.reason, ...(state.code !== undefined ? { code: state.code } : {}) });
    else if (state.state === "stopped") summary.stopped++;
    else if (state.state === "accepted") summary.accepted++;
  }

  // Sort every line into done, invalid, duplicate, uncertain, or to send.
  const queue: Line[] = [];
  const earlierUncertain = new Map<number, { line: number; key: string; reason: string; body?: Record<string, unknown> }>();
  /** The first line of each TopicId, and its text. */
  const firstOfId = new Map<string, { line: number; text: string }>();
  texts.forEach((text, index) => {
    if (!text.trim()) return;
    summary.lines++;
    const where = { line: index + 1, key: keys[index]! };
    const known = journal.get(where.key);
    // Done lines are skipped, but only after they have claimed their TopicId: a repeated or conflicting row further
    // down must be found a duplicate on every run, not only on the first.
    const done = known?.state === "done" || known?.state === "accepted";
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return done ? void summary.skipped++ : invalid(where, known, "not JSON");
    }
    try {
      validateRequest("importTopic", body);
    } catch (error) {
      if (!(error instanceof TimValidationError)) throw error;
      return done ? void summary.skipped++ : invalid(where, known, error.message, error.field);
    }
    const record = body as Record<string, unknown>;
    if (!done && known?.state === "uncertain") return void earlierUncertain.set(where.line, { ...where, reason: known.reason, body: record });
    if (ownId(record)) {
      // Two lines, one TopicId: one topic. The same content again is a repeated row; other content is a conflict.
      const id = `${String(record.GroupId)}\n${String(record[idField])}`;
      const first = firstOfId.get(id);
      if (first && !done) {
        if (first.text.trim() === text.trim()) return void summary.duplicates.push({ line: where.line, reason: `the same topic as line ${first.line}: not sent twice` });
        return invalid(where, known, `${idField} ${String(record[idField])} is also on line ${first.line}, with other fields`, idField);
      }
      if (!first) firstOfId.set(id, { line: where.line, text });
    }
    if (done) return void summary.skipped++;
    // A line without its own ID that was in flight when a run stopped may exist already: never send it again.
    if (known?.state === "sending" && !ownId(record)) {
      return note(where, { state: "uncertain", reason: "a run stopped while it was in flight, and it has no TopicId to check: it may have been imported" });
    }
    queue.push({ ...where, body: record });
  });

  /** Records an invalid line, once: a re-run finds the same line invalid for the same reason and writes nothing. */
  function invalid(where: { line: number; key: string }, known: LineState | undefined, reason: string, field?: string): void {
    const state: LineState = { state: "invalid", reason, ...(field ? { field } : {}) };
    if (known?.state === "invalid" && known.reason === reason && known.field === field) {
      summary.invalid.push({ line: where.line, reason, ...(field ? { field } : {}) });
      return;
    }
    note(where, state);
  }

  // Decisions about lines left uncertain by earlier runs, checked before anything is sent.
  const picks = (selection: LineSelection | undefined, option: string): Set<number> => {
    if (selection === undefined) return new Set();
    if (selection === "all") return new Set(earlierUncertain.keys());
    const wrong = [...selection].filter((line) => !earlierUncertain.has(line));
    if (wrong.length) {
      throw new UsageError(
        `import: --${option}: line(s) ${wrong.join(", ")} are not uncertain from an earlier run (uncertain: ${[...earlierUncertain.keys()].join(", ") || "none"})`,
      );
    }
    return new Set(selection);
  };
  const accept = picks(options.acceptUncertain, "accept-uncertain");
  const resend = picks(options.resendUncertain, "resend-uncertain");
  const both = [...accept].filter((line) => resend.has(line));
  if (both.length) throw new UsageError(`import: line(s) ${both.join(", ")} are given to both --accept-uncertain and --resend-uncertain`);
  for (const [line, item] of earlierUncertain) {
    if (accept.has(line)) note(item, { state: "accepted", reason: `settled by --accept-uncertain (was: ${item.reason})` });
    else if (resend.has(line)) queue.push({ line, key: item.key, body: item.body! });
    else summary.uncertain.push({ line, reason: item.reason, earlier: true });
  }
  queue.sort((a, b) => a.line - b.line);

  const run =
    (signal: AbortSignal, onRequest: (event: RequestEvent) => void): Run =>
    (operation: OperationId, body, deadlineMs) =>
      (im[operation] as (b: unknown, o?: object) => Promise<Record<string, unknown>>)(body, { signal, onRequest, ...(deadlineMs === undefined ? {} : { deadlineMs }) });

  /** Whether an "ID in use" answer is this line's own topic, imported by an earlier run; "stopped" if a stop cut the read. */
  async function importedBefore(item: Line, error: TimError): Promise<boolean | "stopped"> {
    if (!ownId(item.body) || !("code" in error) || !(IMPORT.duplicateIdCodes ?? []).includes(error.code as number)) return false;
    const call = gate.begin();
    try {
      const target = IMPORT.readBack!.operation;
      const found = await readBack({
        descriptor: IMPORT,
        sent: item.body,
        read: operationTable[target],
        readFields: requestRules[target].fields,
        identifier,
        remainingMs: undefined,
        run: run(call.signal, call.onRequest),
      });
      if (typeof found === "object" && "unconfirmed" in found && found.unconfirmed instanceof TimAbortError) return "stopped";
      return typeof found === "object" && "id" in found; // "other" or unconfirmed: not known to be ours
    } finally {
      call.end();
    }
  }

  let dropped = 0;
  let inFlight = 0;
  /** Whether the call's failure may have been applied: never when none of its attempts got past the journal. */
  const mayHaveApplied = (error: TimError) =>
    (error as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied === true && (options.left === undefined || error.random === undefined || options.left(error.random));

  async function importLine(item: Line): Promise<void> {
    // Recorded as its first attempt leaves (and, by the journal's fetch, on the disk before the request is).
    const call = gate.begin(() => {
      if (call.sent !== 1) return;
      inFlight++;
      journal.record(item.key, item.line, { state: "sending" });
    });
    try {
      const { TopicId } = await im.importTopic(item.body as never, { signal: call.signal, onRequest: call.onRequest });
      note(item, { state: "done", TopicId });
    } catch (error) {
      if (!isTimError(error)) throw error;
      if (error instanceof TimAbortError) {
        if (call.sent === 0) return void dropped++; // stopped before it was sent: nothing to journal
        // Stopped between attempts, or while the SDK read its ID back. With a TopicId it is safe to send again (a
        // re-run reads it back on "ID in use"); without one, only if no attempt may have been applied.
        if (!ownId(item.body) && mayHaveApplied(error)) return note(item, { state: "uncertain", reason: `${error.message} (no TopicId to check it by; not sent again)` });
        return note(item, { state: "stopped", reason: `stopped after ${call.sent} attempt(s): ${error.message}` });
      }
      const before = await importedBefore(item, error);
      if (before === "stopped") return note(item, { state: "stopped", reason: "stopped while reading its TopicId back" });
      if (before) {
        summary.verified++;
        return note(item, { state: "done", TopicId: item.body[idField] as string, verified: true });
      }
      const code = "code" in error && typeof error.code === "number" ? { code: error.code } : {};
      if (mayHaveApplied(error) && !ownId(item.body)) return note(item, { state: "uncertain", reason: `${error.message} (no TopicId to check it by; not sent again)` });
      note(item, { state: "failed", reason: error.message, ...code });
    } finally {
      if (call.sent > 0) inFlight--;
      call.end();
    }
  }

  const bar = progress(queue.length, "import", options.progressMode);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    // A journal that cannot reach the disk stops the run as Ctrl-C would: what it records could be lost.
    while (next < queue.length && !stop.aborted && !journal.failure) {
      const item = queue[next++]!;
      await importLine(item);
      bar.tick(++finished);
    }
  };
  const unsent = () => queue.length - next + dropped;
  const done = (async () => {
    try {
      await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
    } finally {
      bar.end();
    }
    summary.notStarted = unsent();
    summary.interrupted = (stop.aborted || journal.failure !== undefined) && summary.notStarted + summary.stopped > 0;
    sortByLine(summary);
    return summary;
  })();
  return { summary, inFlight: () => inFlight, unsent, finished: done };
}

/** Reports in file order, whatever order the lines finished in. */
export function sortByLine(summary: ImportSummary): void {
  for (const list of [summary.failed, summary.uncertain, summary.invalid, summary.duplicates]) list.sort((a, b) => a.line - b.line);
}
