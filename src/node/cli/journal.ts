/**
 * @module cli/journal — what a bulk import has done, kept beside its input so a re-run can resume: JSON Lines,
 * append-only, one record per event, written at once (`sending` when a line's request leaves, its outcome as soon as
 * it is known). A line is known by its content, not its position: the hash of its text and which occurrence of that
 * text it is, so fixing or removing a bad line, or reordering the file, does not make done lines look new.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { UsageError } from "./args.js";

export type LineState =
  /** The request went out; no outcome was recorded (the run stopped while it was in flight). */
  | { state: "sending" }
  | { state: "done"; TopicId: string; verified?: true }
  /** Refused (nothing was applied): a re-run tries again. */
  | { state: "failed"; reason: string; code?: number }
  /** May have been applied, and the line has no TopicId to check it by: never sent again. */
  | { state: "uncertain"; reason: string }
  | { state: "invalid"; reason: string; field?: string };

/** `line` is where the text was when recorded (for people); `key` is what identifies it. */
export type JournalRecord = { key: string; line: number } & LineState;

/** Keys for the lines of a file: the text's hash and its occurrence among identical lines (`<hash>#<n>`). */
export function lineKeys(texts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return texts.map((text) => {
    const hash = createHash("sha256").update(text.trim()).digest("hex").slice(0, 24);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return `${hash}#${n}`;
  });
}

export class Journal {
  private readonly states = new Map<string, JournalRecord>();
  /** Journal lines that could not be read (a crash mid-write leaves at most the last one). */
  readonly unreadable: number = 0;

  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    const text = readFileSync(path, "utf8");
    let unreadable = 0;
    let keyless = 0;
    for (const entry of text.split("\n")) {
      if (!entry.trim()) continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(entry) as JournalRecord;
      } catch {
        unreadable++;
        continue;
      }
      if (typeof record?.key === "string") this.states.set(record.key, record);
      else keyless++;
    }
    // Records that parse but name no line key (an earlier format knew lines by number): ignoring them would send
    // their lines again, and a line without its own TopicId would then be imported twice.
    if (keyless) {
      throw new UsageError(
        `${path}: ${keyless} journal record(s) have no line key (written by an earlier tim-topics, or not an import journal); resuming from it could import lines twice. Finish that import with the version that wrote it, or move the journal aside once you have checked what it did`,
      );
    }
    this.unreadable = unreadable;
    // A record cut short by a crash must not swallow the next one.
    if (text && !text.endsWith("\n")) appendFileSync(path, "\n");
  }

  get(key: string): LineState | undefined {
    return this.states.get(key);
  }

  /** Records an event at once (a synchronous append: it is on disk before the next step). */
  record(key: string, line: number, state: LineState): void {
    const record = { key, line, ...state } as JournalRecord;
    this.states.set(key, record);
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}
