/**
 * @module cli/journal — what a bulk import has done, kept beside its input so a re-run can resume: JSON Lines,
 * append-only, one record per event, written before the next step (`sending` before a line's request goes out, its
 * outcome as soon as it is known). The last record of a line wins. A line whose text changed since is unknown again.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export type LineState =
  /** The request went out; no outcome was recorded (the run stopped while it was in flight). */
  | { state: "sending" }
  | { state: "done"; TopicId: string; verified?: true }
  /** Refused (nothing was applied): a re-run tries again. */
  | { state: "failed"; reason: string; code?: number }
  /** May have been applied, and the line has no TopicId to check it by: never sent again. */
  | { state: "uncertain"; reason: string }
  | { state: "invalid"; reason: string; field?: string };

export type JournalRecord = { line: number; hash: string } & LineState;

/** A short hash of a line's text, so a journal entry only counts for the text it was made for. */
export const lineHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

export class Journal {
  private readonly states = new Map<number, JournalRecord>();
  /** Journal lines that could not be read (a crash mid-write leaves at most the last one). */
  readonly unreadable: number = 0;

  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    let unreadable = 0;
    for (const text of readFileSync(path, "utf8").split("\n")) {
      if (!text.trim()) continue;
      try {
        const record = JSON.parse(text) as JournalRecord;
        if (Number.isSafeInteger(record.line) && typeof record.hash === "string") this.states.set(record.line, record);
      } catch {
        unreadable++;
      }
    }
    this.unreadable = unreadable;
  }

  /** What the journal knows of line `line` with this text, if anything. */
  get(line: number, hash: string): LineState | undefined {
    const record = this.states.get(line);
    return record && record.hash === hash ? record : undefined;
  }

  /** Records an event at once (a synchronous append: it is on disk before the next request is sent). */
  record(line: number, hash: string, state: LineState): void {
    const record = { line, hash, ...state } as JournalRecord;
    this.states.set(line, record);
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}
