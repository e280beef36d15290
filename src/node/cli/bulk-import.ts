/**
 * @module cli/bulk-import — `tim-topics import`: one import_topic body per line, at IM's rate limit, resumable.
 *
 * Exactly once where it can be known:
 *  - a line with its own TopicId is safe to send again: the SDK retries it, and an "ID in use" answer
 *    (`x-duplicate-id-codes`) is checked by reading the topic back (`x-read-back`, the SDK's own policy): the same
 *    TopicName means an earlier run imported it;
 *  - a line without one is sent once: if its attempt may have been applied (a lost answer, or a run stopped while
 *    it was in flight), it is reported as uncertain and never sent again.
 * A line is journaled `sending` the moment its first attempt leaves (the call's `onRequest`), so a line that was
 * still waiting for a rate-limit slot when the run stopped is simply not started.
 * Bad lines (not JSON, or invalid by the spec) are reported by line number and field; the others go on.
 */
import { readFileSync } from "node:fs";
import { isTimError, TimAbortError, TimValidationError, validateRequest, type TimClient, type TimError } from "../../index.js";
import { readBack, type Run } from "../../call/read-back.js";
import { operationTable, type OperationId } from "../../operations.js";
import { Journal, lineKeys, type LineState } from "./journal.js";
import { progress } from "./progress.js";

export interface ImportOptions {
  file: string;
  journal: string;
  concurrency: number;
  /** The client, rate-limited as asked. */
  im: TimClient;
  identifier: string;
  progressMode: "tty" | "lines" | "off";
  /**
   * Aborted to stop (Ctrl-C): no new line is sent, lines still waiting for a rate-limit slot are dropped unsent,
   * and those already sent finish and are journaled.
   */
  stop: AbortSignal;
}

export interface LineReport {
  line: number;
  reason: string;
  field?: string;
  code?: number;
}

export interface ImportSummary {
  lines: number;
  done: number;
  /** Done in an earlier run (per the journal). */
  skipped: number;
  /** Of `done`: found imported by an earlier run that stopped before recording it, checked by reading it back. */
  verified: number;
  failed: LineReport[];
  uncertain: LineReport[];
  invalid: LineReport[];
  /** Lines not sent because the run was stopped. */
  notStarted: number;
  interrupted: boolean;
  /** Journal records that could not be read (a crash mid-write); their lines are treated as never seen. */
  journalUnreadable: number;
}

interface Line {
  line: number;
  key: string;
  body: Record<string, unknown>;
}

const IMPORT = operationTable.importTopic;

export async function bulkImport(options: ImportOptions): Promise<ImportSummary> {
  const { im, identifier, stop } = options;
  const journal = new Journal(options.journal);
  const texts = readFileSync(options.file, "utf8").split(/\r?\n/);
  const keys = lineKeys(texts);
  const summary: ImportSummary = {
    lines: 0,
    done: 0,
    skipped: 0,
    verified: 0,
    failed: [],
    uncertain: [],
    invalid: [],
    notStarted: 0,
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
  }

  // Sort every line into done, invalid, or to send.
  const queue: Line[] = [];
  texts.forEach((text, index) => {
    if (!text.trim()) return;
    summary.lines++;
    const where = { line: index + 1, key: keys[index]! };
    const known = journal.get(where.key);
    if (known?.state === "done") return void summary.skipped++;
    if (known?.state === "uncertain") return void summary.uncertain.push({ line: where.line, reason: known.reason });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return note(where, { state: "invalid", reason: "not JSON" });
    }
    try {
      validateRequest("importTopic", body);
    } catch (error) {
      if (!(error instanceof TimValidationError)) throw error;
      return note(where, { state: "invalid", reason: error.message, field: error.field });
    }
    const record = body as Record<string, unknown>;
    // A line without its own ID that was in flight when a run stopped may exist already: never send it again.
    if (known?.state === "sending" && !ownId(record)) {
      return note(where, { state: "uncertain", reason: "a run stopped while it was in flight, and it has no TopicId to check: it may have been imported" });
    }
    queue.push({ ...where, body: record });
  });

  const run: Run = (operation: OperationId, body, deadlineMs) =>
    (im[operation] as (b: unknown, o?: { deadlineMs?: number }) => Promise<Record<string, unknown>>)(body, deadlineMs === undefined ? undefined : { deadlineMs });

  /** Whether an "ID in use" answer is this line's own topic, imported by an earlier run. */
  async function importedBefore(item: Line, error: TimError): Promise<boolean> {
    if (!ownId(item.body) || !("code" in error) || !(IMPORT.duplicateIdCodes ?? []).includes(error.code as number)) return false;
    const found = await readBack(IMPORT, item.body, identifier, undefined, run).catch(() => "other" as const);
    return typeof found === "object" && "id" in found; // "other", unconfirmed or aborted: not known to be ours
  }

  /** Lines whose request has not left yet, so that a stop can drop them unsent. */
  const waiting = new Set<AbortController>();
  const dropWaiting = () => {
    for (const controller of waiting) controller.abort(stop.reason);
  };
  stop.addEventListener("abort", dropWaiting, { once: true });

  let dropped = 0;
  async function importLine(item: Line): Promise<void> {
    const controller = new AbortController();
    waiting.add(controller);
    const onRequest = ({ attempt }: { attempt: number }) => {
      if (attempt !== 1) return;
      waiting.delete(controller); // sent: it finishes, whatever happens next
      journal.record(item.key, item.line, { state: "sending" });
    };
    try {
      const { TopicId } = await im.importTopic(item.body as never, { signal: controller.signal, onRequest });
      note(item, { state: "done", TopicId });
    } catch (error) {
      if (!isTimError(error)) throw error;
      if (error instanceof TimAbortError && !error.mayHaveBeenApplied) {
        dropped++; // stopped before it was sent: nothing to journal
        return;
      }
      if (await importedBefore(item, error)) {
        summary.verified++;
        return note(item, { state: "done", TopicId: item.body[idField] as string, verified: true });
      }
      const code = "code" in error && typeof error.code === "number" ? { code: error.code } : {};
      const applied = (error as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied === true;
      if (applied && !ownId(item.body)) return note(item, { state: "uncertain", reason: `${error.message} (no TopicId to check it by; not sent again)` });
      note(item, { state: "failed", reason: error.message, ...code });
    } finally {
      waiting.delete(controller);
    }
  }

  const bar = progress(queue.length, "import", options.progressMode);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < queue.length && !stop.aborted) {
      const item = queue[next++]!;
      await importLine(item);
      bar.tick(++finished);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  } finally {
    stop.removeEventListener("abort", dropWaiting);
    bar.end();
  }
  summary.notStarted = queue.length - next + dropped;
  summary.interrupted = stop.aborted && summary.notStarted > 0;
  return summary;
}
