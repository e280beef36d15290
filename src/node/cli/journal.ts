/**
 * @module cli/journal — what a bulk import has done, kept beside its input so a re-run can resume: JSON Lines,
 * append-only, one record per event, written at once (`sending` when a line's request leaves, its outcome as soon as
 * it is known). A line is known by its content, not its position: the hash of its text and which occurrence of that
 * text it is, so fixing or removing a bad line, or reordering the file, does not make done lines look new (and
 * editing a line makes it a new line).
 *
 * Durability: a record is written to the file at once (it survives a crash of the process), and `durable()` resolves
 * once every record written so far is on the disk (fdatasync; survives a power loss). The import's fetch waits for it
 * before a request leaves (`journaledFetch`), so a `sending` record is on the disk before IM can act on the request:
 * a line without TopicId is never sent again because its record was lost. Requests leaving together share one sync.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./args.js";

export type LineState =
  /** The request went out; no outcome was recorded (the run stopped while it was in flight). */
  | { state: "sending" }
  | { state: "done"; TopicId: string; verified?: true }
  /** Refused (nothing was applied): a re-run tries again. */
  | { state: "failed"; reason: string; code?: number }
  /** A run stopped between its attempts; a re-run sends it (after a read-back if it has a TopicId), unless it has no
   * TopicId and an attempt may have been applied (then it is recorded uncertain instead). */
  | { state: "stopped"; reason: string }
  /** May have been applied, and the line has no TopicId to check it by: never sent again without a decision. */
  | { state: "uncertain"; reason: string }
  /** An uncertain line the admin settled with `--accept-uncertain` (checked that it is in IM, or not wanted). */
  | { state: "accepted"; reason: string }
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

export interface JournalOptions {
  /** How the file is synced to disk (`fs.fdatasync`); tests observe it. */
  sync?: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;
}

export class Journal {
  private readonly states = new Map<string, JournalRecord>();
  /** Journal lines that could not be read (a crash mid-write leaves at most the last one). */
  readonly unreadable: number = 0;
  private fd: number | undefined;
  private readonly sync: NonNullable<JournalOptions["sync"]>;
  /** Records written, and how many of them a finished sync covers. */
  private written = 0;
  private synced = 0;
  private syncing: Promise<void> | undefined;
  /** The first failed sync: the journal can no longer promise what is on the disk, so the run must stop. */
  failure: Error | undefined;

  constructor(
    readonly path: string,
    options: JournalOptions = {},
  ) {
    this.sync = options.sync ?? fdatasync;
    const existed = existsSync(path);
    const text = existed ? readFileSync(path, "utf8") : "";
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
    this.fd = openSync(path, "a");
    // A new file's name must be on the disk too, or a power loss could take the whole journal with it.
    if (!existed) syncDirectory(path);
    // A record cut short by a crash must not swallow the next one.
    if (text && !text.endsWith("\n")) this.write("\n");
  }

  get(key: string): LineState | undefined {
    return this.states.get(key);
  }

  /** Records an event at once (a synchronous write: it is in the file before the next step; `durable()` for the disk). */
  record(key: string, line: number, state: LineState): void {
    const record = { key, line, ...state } as JournalRecord;
    this.states.set(key, record);
    this.write(`${JSON.stringify(record)}\n`);
  }

  /** Resolves once every record written so far is on the disk; concurrent callers share one sync (group commit). */
  async durable(): Promise<void> {
    const target = this.written;
    while (this.synced < target) {
      if (!this.syncing) {
        const upTo = this.written;
        const fd = this.fd;
        if (fd === undefined) throw new Error(`${this.path}: the journal is closed`);
        this.syncing = new Promise<void>((resolve, reject) =>
          this.sync(fd, (error) => {
            // A file that cannot be synced at all (a pipe, /dev/null) has no disk to be durable on.
            if (error && error.code !== "EINVAL" && error.code !== "ENOTSUP") {
              this.failure ??= new Error(`${this.path}: the journal could not be synced to disk (${error.code ?? error.message})`, { cause: error });
              reject(this.failure);
            } else resolve();
          }),
        )
          .then(() => {
            this.synced = Math.max(this.synced, upTo);
          })
          .finally(() => {
            this.syncing = undefined;
          });
      }
      await this.syncing;
    }
  }

  /** Syncs at once, blocking (for a process about to exit); errors are ignored: there is nothing left to do. */
  syncNow(): void {
    try {
      if (this.fd !== undefined) fdatasyncSync(this.fd);
    } catch {
      // leaving anyway
    }
  }

  /** Syncs what is left and closes the file. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    try {
      await this.durable();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private write(text: string): void {
    if (this.fd === undefined) throw new Error(`${this.path}: the journal is closed`);
    writeSync(this.fd, text);
    this.written++;
  }
}

/** The `random` of a request URL: the same on every attempt of one call, so it names the call. */
const RANDOM = /[?&]random=(\d+)/;

/**
 * A fetch that lets a request leave only once the journal's records are on the disk (the `sending` record first),
 * and `left(random)`: whether any attempt of that call got past the journal to the network. A sync that fails or
 * outlasts the attempt's timeout looks to the SDK like an attempt that may have been applied; `left` says it was not.
 */
export function journaledFetch(journal: Pick<Journal, "durable">, inner: typeof fetch = globalThis.fetch): typeof fetch & { left(random: number): boolean } {
  const leftCalls = new Set<string>();
  const journaled = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    await journal.durable();
    if (init?.signal?.aborted) throw init.signal.reason; // given up while the disk was busy: it does not leave now
    const random = RANDOM.exec(String(input instanceof Request ? input.url : input))?.[1];
    if (random !== undefined) leftCalls.add(random);
    return inner(input, init);
  };
  return Object.assign(journaled as typeof fetch, { left: (random: number) => leftCalls.has(String(random)) });
}

function syncDirectory(file: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path.dirname(path.resolve(file)), "r");
    fsyncSync(fd);
  } catch {
    // Not every platform opens or syncs a directory (Windows); the file's own syncs still hold its records.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
