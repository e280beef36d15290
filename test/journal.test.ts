/** The bulk import's journal (src/node/cli/journal.ts): content keys, a record cut short by a crash, syncs to disk. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Journal, journaledFetch, lineKeys } from "../src/node/cli/journal.js";

const dir = mkdtempSync(path.join(tmpdir(), "tim-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lineKeys", () => {
  it("keys a line by its text, not its place; identical lines by which occurrence they are", () => {
    const [a, b, a2] = lineKeys(['{"n":1}', '{"n":2}', '{"n":1}']);
    expect(a).not.toBe(b);
    expect(a!.split("#")[0]).toBe(a2!.split("#")[0]);
    expect([a!.split("#")[1], a2!.split("#")[1]]).toEqual(["1", "2"]);
    expect(lineKeys(["x", '{"n":2}'])[1]).toBe(b); // moved, same key
  });
});

describe("Journal", () => {
  it("reads back what it recorded, the last record of a key winning", () => {
    const file = path.join(dir, "plain.journal");
    const journal = new Journal(file);
    journal.record("k#1", 3, { state: "sending" });
    journal.record("k#1", 3, { state: "done", TopicId: "t" });
    expect(new Journal(file).get("k#1")).toEqual({ key: "k#1", line: 3, state: "done", TopicId: "t" });
  });

  it("counts a record cut short by a crash as unreadable, and the next record still starts on its own line", () => {
    const file = path.join(dir, "cut.journal");
    writeFileSync(file, `${JSON.stringify({ key: "a#1", line: 1, state: "done", TopicId: "a" })}\n{"key":"b#1","li`);
    const journal = new Journal(file);
    expect(journal.unreadable).toBe(1);
    expect(journal.get("a#1")?.state).toBe("done");
    expect(journal.get("b#1")).toBeUndefined(); // never seen: its line is sent again (safely, or reported)
    journal.record("c#1", 3, { state: "failed", reason: "no" });
    const reread = new Journal(file);
    expect(reread.get("c#1")).toMatchObject({ state: "failed" });
    expect(reread.unreadable).toBe(1);
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
  });

  it("refuses a journal whose records name no line key (an earlier format), naming the file, rather than resend its lines", () => {
    const file = path.join(dir, "old.journal");
    writeFileSync(file, `${JSON.stringify({ line: 1, state: "sending" })}\n${JSON.stringify({ key: "a#1", line: 2, state: "done", TopicId: "a" })}\n`);
    expect(() => new Journal(file)).toThrow(expect.objectContaining({ name: "UsageError", message: expect.stringContaining(file) }));
    expect(() => new Journal(file)).toThrow(/1 journal record\(s\) have no line key/);
  });
});

describe("durability", () => {
  /** A journal whose syncs are held until the test completes them. */
  function heldSyncs(name: string) {
    const pending: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const journal = new Journal(path.join(dir, name), { sync: (_fd, done) => void pending.push(done) });
    return { journal, pending };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("a request leaves only once the journal's records are on the disk, and requests leaving together share one sync", async () => {
    const { journal, pending } = heldSyncs("sync.journal");
    const sent: string[] = [];
    const fetch = journaledFetch(journal, async (input) => (sent.push(String(input)), new Response("ok")));
    journal.record("a#1", 1, { state: "sending" });
    journal.record("b#1", 2, { state: "sending" });
    const a = fetch("http://127.0.0.1:9/a");
    const b = fetch("http://127.0.0.1:9/b");
    await tick();
    expect(sent).toEqual([]); // neither left before its record was synced
    expect(pending).toHaveLength(1); // one sync for both (group commit)
    pending.shift()!(null);
    await Promise.all([a, b]);
    expect(sent).toEqual(["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]);
    // Nothing new written: the next request does not wait for a sync.
    await fetch("http://127.0.0.1:9/c");
    expect(pending).toHaveLength(0);
    // A record written while a sync runs needs a sync of its own.
    journal.record("c#1", 3, { state: "sending" });
    const c = fetch("http://127.0.0.1:9/d");
    await tick();
    journal.record("d#1", 4, { state: "sending" });
    const d = fetch("http://127.0.0.1:9/e");
    pending.shift()!(null);
    await c;
    await tick();
    expect(sent).not.toContain("http://127.0.0.1:9/e");
    expect(pending).toHaveLength(1);
    pending.shift()!(null);
    await d;
    expect(sent.at(-1)).toBe("http://127.0.0.1:9/e");
    await journal.close();
  });

  it("a failed sync fails the request (it never leaves) and marks the journal failed; a file that cannot be synced at all is let through", async () => {
    const { journal, pending } = heldSyncs("fail.journal");
    const sent: string[] = [];
    const fetch = journaledFetch(journal, async (input) => (sent.push(String(input)), new Response("ok")));
    journal.record("a#1", 1, { state: "sending" });
    const a = fetch("http://127.0.0.1:9/a");
    await tick();
    pending.shift()!(Object.assign(new Error("I/O error"), { code: "EIO" }));
    await expect(a).rejects.toThrow(/could not be synced to disk \(EIO\)/);
    expect(sent).toEqual([]);
    expect(journal.failure?.message).toContain("EIO");

    const pipe = heldSyncs("pipe.journal");
    pipe.journal.record("a#1", 1, { state: "sending" });
    const b = journaledFetch(pipe.journal, async () => new Response("ok"))("http://127.0.0.1:9/b");
    await tick();
    pipe.pending.shift()!(Object.assign(new Error("invalid"), { code: "EINVAL" }));
    await expect(b).resolves.toBeInstanceOf(Response);
    expect(pipe.journal.failure).toBeUndefined();
  });

  it("knows which calls got past the journal to the network: a failed sync or a call given up during it did not", async () => {
    const { journal, pending } = heldSyncs("left.journal");
    const fetch = journaledFetch(journal, async () => new Response("ok"));
    journal.record("a#1", 1, { state: "sending" });
    const failed = fetch("http://127.0.0.1:9/a?random=11");
    await tick();
    pending.shift()!(Object.assign(new Error("I/O error"), { code: "EIO" }));
    await expect(failed).rejects.toThrow(/EIO/);
    expect(fetch.left(11)).toBe(false);

    const other = heldSyncs("left2.journal");
    const fetch2 = journaledFetch(other.journal, async () => new Response("ok"));
    other.journal.record("b#1", 2, { state: "sending" });
    const stop = new AbortController();
    const givenUp = fetch2("http://127.0.0.1:9/b?random=22", { signal: stop.signal });
    await tick();
    stop.abort(); // the attempt's timeout fired while the disk was busy
    other.pending.shift()!(null);
    await expect(givenUp).rejects.toBeDefined();
    expect(fetch2.left(22)).toBe(false);
    await fetch2("http://127.0.0.1:9/c?random=33");
    expect(fetch2.left(33)).toBe(true);
  });

  it("syncs with fdatasync by default, and close() syncs what is left", async () => {
    const file = path.join(dir, "real.journal");
    const journal = new Journal(file);
    journal.record("a#1", 1, { state: "sending" });
    await journal.durable();
    journal.record("a#1", 1, { state: "done", TopicId: "t" });
    await journal.close();
    expect(new Journal(file).get("a#1")).toMatchObject({ state: "done" });
  });
});
