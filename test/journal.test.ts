/** The bulk import's journal (src/node/cli/journal.ts): content keys, and a record cut short by a crash. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Journal, lineKeys } from "../src/node/cli/journal.js";

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
