/**
 * @module cli/lock — one import at a time per journal. Two runs that read the same journal would both send every line
 * it does not know (a line without TopicId then becomes two topics), so a run holds `<journal>.lock` from before it
 * reads the journal until it exits. The lock is a file created exclusively (`wx`) holding the holder's pid and host:
 * a lock whose holder is alive refuses the run (a usage error naming the file); one whose holder died (a crash, a
 * SIGKILL, a power loss) is taken over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { UsageError } from "./args.js";

export interface Lock {
  readonly path: string;
  /** Removes the lock if it is still this process's; safe to call more than once. */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  started: string;
}

/** A lock file that cannot be read is one whose creator is between `open` and `write`, unless it is older than this. */
const HALF_WRITTEN_GRACE_MS = 5_000;

/** Takes `path` for this process, or throws a UsageError naming it and its holder. */
export function acquireLock(path: string): Lock {
  // A few rounds: each lost race (a lock released, or taken over, between two looks) starts again from the top.
  for (let round = 0; round < 5; round++) {
    if (create(path)) return held(path);
    const seen = look(path);
    if (seen === "gone") continue; // released meanwhile
    if (seen === "being-written") throw busy(path, "another tim-topics run is creating it right now");
    if (alive(seen.holder)) {
      const { pid, host, started } = seen.holder;
      throw busy(path, `another tim-topics run holds it (pid ${pid} on ${host}, since ${started})`);
    }
    // The holder is gone: take the lock over, under a guard so that two runs finding it stale do not both take it.
    const guard = `${path}.takeover`;
    if (!create(guard)) {
      const other = look(guard);
      if (other !== "gone" && (other === "being-written" || alive(other.holder))) throw busy(path, "another tim-topics run is taking it over right now");
      removeIf(guard, other === "gone" ? undefined : other.text); // a takeover that died midway (a few µs window)
      continue;
    }
    try {
      // Still the very lock found stale (not one a new run created since): remove it and take it.
      const again = look(path);
      if (again !== "gone" && again !== "being-written" && again.text === seen.text) unlinkSync(path);
      if (create(path)) return held(path);
    } finally {
      removeIf(guard, undefined);
    }
  }
  throw busy(path, "it changed hands several times while this run tried to take it");
}

function busy(path: string, why: string): UsageError {
  return new UsageError(`${path}: ${why}; one import at a time per journal. If no import of this journal is running, delete ${path}`);
}

/** Creates `path` exclusively with this process as holder; false if it exists. */
function create(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UsageError(`${path}: cannot create the journal's lock file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    writeSync(fd, `${JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() } satisfies Holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function look(path: string): "gone" | "being-written" | { text: string; holder: Holder } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  try {
    const holder = JSON.parse(text) as Holder;
    if (Number.isSafeInteger(holder?.pid) && typeof holder.host === "string") return { text, holder };
  } catch {
    // not (yet) a whole record: below
  }
  let age: number;
  try {
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return "gone";
  }
  // Half written and old: its creator died between open and write. Its text is what a takeover compares.
  return age < HALF_WRITTEN_GRACE_MS ? "being-written" : { text, holder: { pid: 0, host: hostname(), started: "?" } };
}

/** Whether the holder may still be running. A holder on another host cannot be checked: it counts as alive. */
function alive({ pid, host }: Holder): boolean {
  if (host !== hostname()) return true;
  if (pid === process.pid) return true;
  if (pid < 1) return false;
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}

/** Removes `path` if its text is still `text` (any text when undefined). */
function removeIf(path: string, text: string | undefined): void {
  try {
    if (text === undefined || readFileSync(path, "utf8") === text) unlinkSync(path);
  } catch {
    // already gone
  }
}

function held(path: string): Lock {
  const mine = readFileSync(path, "utf8");
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    removeIf(path, mine); // only while it is still ours
  };
  // Every way out of the process, process.exit() included (the second Ctrl-C), releases it.
  process.on("exit", release);
  return { path, release };
}
