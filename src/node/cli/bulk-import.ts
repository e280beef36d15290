/**
 * @module cli/bulk-import — `tim-topics import`: one import_topic body per line, at IM's rate limit, resumable.
 *
 * Exactly once where it can be known:
 *  - a line with its own TopicId is safe to send again: the SDK retries it, and a 10021 ("ID in use") on a line the
 *    journal cannot vouch for (unknown, or in flight when a run stopped) is checked by reading the topic back; the
 *    same TopicName means an earlier run imported it;
 *  - a line without one is sent once: if its attempt may have been applied (a lost answer, or a run stopped while
 *    it was in flight), it is reported as uncertain and never sent again.
 * Bad lines (not JSON, or invalid by the spec) are reported by line number and field; the others go on.
 */
import { readFileSync } from "node:fs";
import { isTimError, TimApiError, TimValidationError, validateRequest, type TimClient } from "../../index.js";
import { operationTable } from "../../operations.js";
import { Journal, lineHash, type LineState } from "./journal.js";
import { progress } from "./progress.js";

export interface ImportOptions {
  file: string;
  journal: string;
  concurrency: number;
  /** The client, rate-limited as asked. */
  im: TimClient;
  identifier: string;
  progressMode: "tty" | "lines" | "off";
  /** Set to stop taking new lines (Ctrl-C): what is in flight finishes and is journaled. */
  stop: { requested: boolean };
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
  /** Lines not attempted because the run was stopped. */
  notStarted: number;
  interrupted: boolean;
}

interface Line {
  line: number;
  hash: string;
  body: Record<string, unknown>;
}

export async function bulkImport(options: ImportOptions): Promise<ImportSummary> {
  const { im, identifier, stop } = options;
  const journal = new Journal(options.journal);
  const texts = readFileSync(options.file, "utf8").split(/\r?\n/);
  const summary: ImportSummary = { lines: 0, done: 0, skipped: 0, verified: 0, failed: [], uncertain: [], invalid: [], notStarted: 0, interrupted: false };
  const key = operationTable.importTopic.idempotencyKey!;
  const [duplicate] = operationTable.importTopic.duplicateIdCodes!;

  // Sort every line into done, invalid, or to send.
  const queue: Line[] = [];
  texts.forEach((text, index) => {
    if (!text.trim()) return;
    summary.lines++;
    const line = index + 1;
    const hash = lineHash(text);
    const known = journal.get(line, hash);
    if (known?.state === "done") return void summary.skipped++;
    if (known?.state === "uncertain") return void summary.uncertain.push({ line, reason: known.reason });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return void note(line, hash, { state: "invalid", reason: "not JSON" });
    }
    try {
      validateRequest("importTopic", body);
    } catch (error) {
      if (!(error instanceof TimValidationError)) throw error;
      return void note(line, hash, { state: "invalid", reason: error.message, field: error.field });
    }
    const record = body as Record<string, unknown>;
    // A line without its own ID that was in flight when a run stopped may exist already: never send it again.
    if (known?.state === "sending" && typeof record[key] !== "string") {
      return void note(line, hash, { state: "uncertain", reason: "a run stopped while it was in flight, and it has no TopicId to check: it may have been imported" });
    }
    queue.push({ line, hash, body: record });
  });

  function note(line: number, hash: string, state: LineState): void {
    journal.record(line, hash, state);
    if (state.state === "done") summary.done++;
    else if (state.state === "invalid") summary.invalid.push({ line, reason: state.reason, ...(state.field ? { field: state.field } : {}) });
    else if (state.state === "uncertain") summary.uncertain.push({ line, reason: state.reason });
    else if (state.state === "failed") summary.failed.push({ line, reason: state.reason, ...(state.code !== undefined ? { code: state.code } : {}) });
  }

  /** A 10021 on a line the journal cannot vouch for: ours if the topic reads back with the same TopicName. */
  async function importedBefore(item: Line): Promise<boolean> {
    const got = await im.getTopic({ GroupId: item.body.GroupId as string, From_Account: identifier, TopicIdList: [item.body[key] as string] });
    const [topic] = got.topics;
    return topic?.ok === true && topic.TopicInfo.TopicName === item.body.TopicName;
  }

  async function importLine(item: Line): Promise<void> {
    const { line, hash, body } = item;
    journal.record(line, hash, { state: "sending" });
    try {
      const { TopicId } = await im.importTopic(body as never);
      note(line, hash, { state: "done", TopicId });
    } catch (error) {
      if (!isTimError(error)) throw error;
      const own = typeof body[key] === "string";
      if (own && error instanceof TimApiError && error.code === duplicate) {
        const ours = await importedBefore(item).catch(() => false);
        if (ours) {
          summary.verified++;
          return note(line, hash, { state: "done", TopicId: body[key] as string, verified: true });
        }
      }
      const applied = (error as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied === true;
      if (applied && !own) return note(line, hash, { state: "uncertain", reason: `${error.message} (no TopicId to check it by; not sent again)` });
      note(line, hash, { state: "failed", reason: error.message, ...(error instanceof TimApiError ? { code: error.code } : {}) });
    }
  }

  const bar = progress(queue.length, "import", options.progressMode);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < queue.length && !stop.requested) {
      const item = queue[next++]!;
      await importLine(item);
      bar.tick(++finished);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  bar.end();
  summary.notStarted = queue.length - next;
  summary.interrupted = stop.requested && summary.notStarted > 0;
  return summary;
}
