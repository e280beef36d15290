/**
 * The `tim-topics` CLI end to end: the built bin as a child process, against the emulator served over HTTP on
 * loopback (in this process, so faults can be injected and the state read). Every command, `--json` parsed, exit
 * codes, a bulk import with faults and bad lines, an import killed halfway and resumed, a re-run that changes
 * nothing, and no secret in any output.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { requestRules } from "../generated/request-rules.js";
import { build, root } from "../scripts/build.mjs";
import { serveFetch } from "../src/node/serve.js";
import { operations } from "../generated/operations.js";
import { createEmulator, type Emulator, type EmulatorOptions } from "../src/testing/index.js";
import { ADMIN, GROUP, SDK_APP_ID, SECRET } from "./helpers/fixtures.js";

const bin = path.join(root, "dist/src/node/cli/main.js");
const env = { TIM_SDKAPPID: String(SDK_APP_ID), TIM_IDENTIFIER: ADMIN, TIM_SECRET_KEY: SECRET };
/** Every output of every run, for the leak check at the end. */
const outputs: string[] = [];
let dir: string;

beforeAll(() => {
  // The CLI runs from the build; rebuild when src/ is newer (npm test builds before the unit tests).
  const newest = (d: string): number => Math.max(...readdirRecursive(d).map((f) => statSync(f).mtimeMs));
  if (!existsSync(bin) || newest(path.join(root, "src")) > statSync(bin).mtimeMs) build({ quiet: true });
  dir = mkdtempSync(path.join(tmpdir(), "tim-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readdirRecursive(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? readdirRecursive(path.join(d, e.name)) : [path.join(d, e.name)]));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
/** Runs the bin; `onStart` gets the child (to signal it). */
function cli(args: string[], options: { env?: Record<string, string>; onStart?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? "", ...env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    options.onStart?.(child);
    child.on("close", (code) => {
      outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

let served: Awaited<ReturnType<typeof serveFetch>> | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});
/**
 * The emulator over HTTP; `around` may inject faults before each request; `before` may hold a request (await) or
 * answer it itself (return a Response) before the emulator sees it.
 */
async function emulatorServer(
  options: {
    around?: (emu: Emulator, n: number) => void;
    before?: (request: Request, n: number) => Promise<Response | void> | Response | void;
    rateLimit?: boolean;
    topics?: EmulatorOptions["topics"];
  } = {},
) {
  const emu = createEmulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET, identifier: ADMIN, rateLimit: options.rateLimit ?? false, topicLimit: 100_000, ...(options.topics ? { topics: options.topics } : {}) });
  let n = 0;
  served = await serveFetch(async (request) => {
    const at = ++n;
    const answer = await options.before?.(request, at);
    if (answer) return answer;
    options.around?.(emu, at);
    return emu.handle(request);
  });
  return { emu, url: served.url };
}
/** Waits (bounded) until `condition` holds; throws naming `what` if it never does. */
async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
/**
 * Starts `import --json` of `file` (four lines at a time), waits until `ready()` (bounded), sends Ctrl-C and waits
 * until the run says it is stopping. Resolves with the run (still going) and its process.
 */
async function interruptedImport(file: string, url: string, ready: () => boolean, what: string) {
  let child: ReturnType<typeof spawn> | undefined;
  const running = cli(["import", "--file", file, "--rate", "5000", "--concurrency", "4", "--json", ...base(url)], { onStart: (c) => (child = c) });
  await until(ready, what);
  let stderr = "";
  child!.stderr!.on("data", (d) => (stderr += d));
  child!.kill("SIGINT");
  await until(() => stderr.includes("stopping"), "the run to take the stop");
  return { running, child: child! };
}
/** A promise and the function that resolves it. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
const base = (url: string) => ["--base-url", url];
const topicsOf = (emu: Emulator) => Object.values(emu.state().groups).flatMap((g) => g.topics);

describe("commands", () => {
  it("--help, per command too, and a usage error names the option (exit 2)", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["create", "get", "modify", "destroy", "import", "usersig", "emulator", "mock"]) expect(help.stdout).toContain(command);
    const importHelp = await cli(["import", "--help"]);
    expect(importHelp.stdout).toContain("--journal FILE");
    const typo = await cli(["create", "--nmae", "x"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--nmae");
    const missing = await cli(["create", "--group", GROUP]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--name is required");
    expect((await cli(["frobnicate"])).code).toBe(2);
  });

  it("`help CMD` is that command's help; --version is the package's; local servers list no --base-url/--region and refuse them", async () => {
    const importHelp = await cli(["help", "import"]);
    expect(importHelp.code).toBe(0);
    expect(importHelp.stdout).toContain("--journal FILE");
    expect(importHelp.stdout).toBe((await cli(["import", "--help"])).stdout);
    expect((await cli(["help", "nope"])).code).toBe(2);
    const version = await cli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(`tim-topics ${(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version}`);
    for (const command of ["emulator", "mock", "usersig"]) {
      const help = await cli([command, "--help"]);
      expect(help.stdout).not.toContain("--base-url");
      expect(help.stdout).not.toContain("--region");
      expect((await cli([command, "--base-url", "http://127.0.0.1:9"])).code).toBe(2);
    }
    expect((await cli(["get", "--help"])).stdout).toContain("--base-url");
  });

  it("a TIM_SDKAPPID that is not a positive integer is named as such", async () => {
    for (const value of ["abc", "12x", "-5", "0"]) {
      const run = await cli(["get", "--group", GROUP, "--base-url", "http://127.0.0.1:9"], { env: { TIM_SDKAPPID: value } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("TIM_SDKAPPID must be a positive integer");
    }
  });

  it("refuses to run without credentials, naming the variable, and never takes a secret from argv", async () => {
    const run = await cli(["get", "--group", GROUP, "--base-url", "http://127.0.0.1:9"], { env: { TIM_SECRET_KEY: "" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("TIM_SECRET_KEY");
    const argv = await cli(["get", "--group", GROUP, "--secret-key", "x"]);
    expect(argv.code).toBe(2);
  });

  it("create → get → modify → get → destroy, human and --json, against the emulator", async () => {
    const { emu, url } = await emulatorServer();
    const created = await cli(["create", "--group", GROUP, "--name", "General", "--notification", "hi", "--json", ...base(url)]);
    expect(created.code).toBe(0);
    const { TopicId } = JSON.parse(created.stdout) as { TopicId: string };
    expect(topicsOf(emu)).toMatchObject([{ TopicId, TopicName: "General", Notification: "hi" }]);

    const human = await cli(["get", "--group", GROUP, ...base(url)]);
    expect(human.stdout).toContain(`${TopicId}\tGeneral`);
    expect((await cli(["modify", "--group", GROUP, "--topic", TopicId, "--name", "Renamed", "--mute", "on", ...base(url)])).code).toBe(0);
    const got = JSON.parse((await cli(["get", "--group", GROUP, "--topic", TopicId, "--filter", "TopicName", "--filter", "MuteAllMember", "--json", ...base(url)])).stdout);
    expect(got.topics).toEqual([{ ok: true, TopicId, TopicInfo: { TopicId, GroupID: GROUP, TopicName: "Renamed", MuteAllMember: "On" } }]);
    expect((await cli(["modify", "--group", GROUP, "--topic", TopicId, "--mute", "maybe", ...base(url)])).code).toBe(2);

    const destroyed = await cli(["destroy", "--group", GROUP, "--topic", TopicId, "--json", ...base(url)]);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ destroyed: 1, failed: [] });
    const gone = await cli(["get", "--group", GROUP, "--topic", TopicId, "--json", ...base(url)]);
    expect(gone.code).toBe(1); // that topic failed on its own
    expect(JSON.parse(gone.stdout).topics[0]).toMatchObject({ ok: false, error: { code: 110003 } });
  });

  it("an invalid value is refused before sending, naming the field (exit 2)", async () => {
    const { emu, url } = await emulatorServer();
    const run = await cli(["create", "--group", GROUP, "--name", "话".repeat(11), "--json", ...base(url)]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { name: "TimValidationError", field: "TopicName", rule: "maxBytes" } });
    expect(emu.calls).toHaveLength(0);
  });

  it("an IM error is exit 1 with the code and its meaning", async () => {
    const { emu, url } = await emulatorServer();
    emu.inject({ code: 10007 });
    const run = await cli(["create", "--group", GROUP, "--name", "x", "--json", ...base(url)]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ name: "TimApiError", code: 10007 });
  });

  it("destroy --all removes every topic of the group, in batches of the spec's TopicIdList maxItems", async () => {
    const { emu, url } = await emulatorServer();
    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ GroupId: GROUP, TopicName: `t${i}` }));
    writeFileSync(path.join(dir, "all.jsonl"), lines.join("\n"));
    expect((await cli(["import", "--file", path.join(dir, "all.jsonl"), "--rate", "5000", ...base(url)])).code).toBe(0);
    const run = await cli(["destroy", "--group", GROUP, "--all", "--rate", "5000", "--json", ...base(url)]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ destroyed: 250, failed: [] });
    expect(topicsOf(emu)).toEqual([]);
    const batches = emu.calls.filter((c) => c.operation === "destroyTopic").map((c) => (c.body as { TopicIdList: string[] }).TopicIdList.length);
    const most = requestRules.destroyTopic.fields.TopicIdList.maxItems;
    expect(batches.sort((a, b) => b - a)).toEqual([most, 250 - most]);
  });

  it("destroy: a malformed ID is a usage error naming the field, before anything is sent; a whole batch's failure gives each topic IM's code", async () => {
    const { emu, url } = await emulatorServer({ topics: [{ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_a`, TopicName: "a" }] });
    const bad = await cli(["destroy", "--group", GROUP, "--topic", `${GROUP}@TOPIC#_a`, "--topic", "not-an-id", "--json", ...base(url)]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { name: "TimValidationError", field: "TopicIdList[1]" } });
    expect(bad.stderr).toContain("TopicIdList[1]");
    expect(emu.calls).toHaveLength(0); // not even the valid one
    expect(topicsOf(emu)).toHaveLength(1);

    emu.inject({ operation: "destroyTopic", code: 10007 }); // refused for the whole call
    const refused = await cli(["destroy", "--group", GROUP, "--topic", `${GROUP}@TOPIC#_a`, "--json", ...base(url)]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).failed).toEqual([expect.objectContaining({ TopicId: `${GROUP}@TOPIC#_a`, ok: false, code: 10007, error: "TimApiError" })]);
    const human = await cli(["destroy", "--group", GROUP, "--topic", `${GROUP}@TOPIC#_b`, "--topic", "x", ...base(url)]);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain("TopicIdList[1]");
  });

  it("destroy --all shows progress (plain lines off a terminal, none with --json)", async () => {
    const topics = Array.from({ length: 250 }, (_, i) => ({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_p${i}`, TopicName: `p${i}` }));
    const { emu, url } = await emulatorServer({ topics });
    const run = await cli(["destroy", "--group", GROUP, "--all", "--rate", "5000", ...base(url)]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/destroy 250\/250 \(100 %/);
    expect(run.stdout).toContain("destroyed 250 of 250");
    expect(topicsOf(emu)).toEqual([]);
    const quiet = await emulatorServer({ topics });
    const json = await cli(["destroy", "--group", GROUP, "--all", "--rate", "5000", "--json", ...base(quiet.url)]);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({ destroyed: 250 });
  });

  it("destroy --all: Ctrl-C stops after the batches on the wire and says what was destroyed so far (exit 1)", async () => {
    const topics = Array.from({ length: 450 }, (_, i) => ({ GroupId: GROUP, TopicId: `${GROUP}@TOPIC#_c${i}`, TopicName: `c${i}` }));
    const held = latch();
    let arrived = 0;
    const { emu, url } = await emulatorServer({
      topics,
      before: async (request) => {
        if (!request.url.includes("destroy_topic")) return;
        arrived++;
        await held.promise;
      },
    });
    let child: ReturnType<typeof spawn> | undefined;
    // One batch per second: the first is on the wire, the others wait for a slot when Ctrl-C comes.
    const running = cli(["destroy", "--group", GROUP, "--all", "--rate", "1", "--json", ...base(url)], { onStart: (c) => (child = c) });
    await until(() => arrived === 1, "the first batch");
    let stderr = "";
    child!.stderr!.on("data", (d) => (stderr += d));
    child!.kill("SIGINT");
    await until(() => stderr.includes("stopping"), "the run to take the stop");
    const atStop = arrived;
    held.open();
    const run = await running;
    expect(run.code).toBe(1);
    expect(arrived).toBe(atStop); // nothing sent after the stop
    const summary = JSON.parse(run.stdout);
    const sent = emu.calls.filter((c) => c.operation === "destroyTopic").flatMap((c) => (c.body as { TopicIdList: string[] }).TopicIdList);
    expect(summary).toMatchObject({ destroyed: sent.length, failed: [], interrupted: true });
    expect(summary.notDestroyed).toHaveLength(450 - sent.length);
    expect(topicsOf(emu)).toHaveLength(450 - sent.length);
    expect(new Set([...sent, ...summary.notDestroyed]).size).toBe(450);
  }, 60_000);

  it("usersig signs a UserSig that `usersig verify` accepts, and rejects a tampered one", async () => {
    const signed = await cli(["usersig", "--expire", "600"]);
    expect(signed.code).toBe(0);
    const sig = signed.stdout.trim();
    const verified = await cli(["usersig", "verify", sig, "--json"]);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, identifier: ADMIN, sdkAppId: SDK_APP_ID, expireSeconds: 600 });
    const tampered = await cli(["usersig", "verify", `${sig.slice(0, -4)}AAAA`]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain("invalid");
  });

  it("emulator serves IM over HTTP on 127.0.0.1 until stopped", async () => {
    let url = "";
    const run = await cli(["emulator", "--json"], {
      onStart: (child) => {
        child.stdout!.once("data", async (d: Buffer) => {
          url = (JSON.parse(String(d)) as { url: string }).url;
          const created = await cli(["create", "--group", GROUP, "--name", "via the bin's emulator", "--json", ...base(url)]);
          expect(created.code).toBe(0);
          child.kill("SIGINT");
        });
      },
    });
    expect(run.code).toBe(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("mock serves Prism on the packaged spec", async () => {
    const run = await cli(["mock", "--json"], {
      onStart: (child) => {
        child.stdout!.once("data", async (d: Buffer) => {
          const { url } = JSON.parse(String(d)) as { url: string };
          const got = await cli(["create", "--group", GROUP, "--name", "TestTopic", "--json", ...base(url)]);
          expect(JSON.parse(got.stdout).TopicId).toContain("@TOPIC#_@TOPIC#");
          child.kill("SIGINT");
        });
      },
    });
    expect(run.code).toBe(0);
  }, 40_000);
});

describe("import", () => {
  /** A JSON Lines file of `count` valid import bodies across `groups` groups (every `withId`-th with its own TopicId). */
  function importFile(name: string, count: number, { groups = 4, withId = 2, bad = [] as { at: number; text: string }[] } = {}) {
    const lines = Array.from({ length: count }, (_, i) => {
      const GroupId = `@TGS#_group${i % groups}`;
      return JSON.stringify({ GroupId, TopicName: `topic-${i}`, ...(i % withId === 0 ? { TopicId: `${GroupId}@TOPIC#_t${i}` } : {}), CreateTime: 1448357837 + i });
    });
    for (const { at, text } of bad) lines.splice(at, 0, text);
    const file = path.join(dir, name);
    writeFileSync(file, `${lines.join("\n")}\n`);
    rmSync(`${file}.journal`, { force: true });
    return file;
  }
  /** How many topics of each name exist: each valid line must have made exactly one. */
  const namesCount = (emu: Emulator) => {
    const counts = new Map<string, number>();
    for (const t of topicsOf(emu)) counts.set(t.TopicName, (counts.get(t.TopicName) ?? 0) + 1);
    return counts;
  };

  it("2 000 topics across groups with injected faults and two bad lines: the bad lines named, exit 1; re-runs leave every valid line imported exactly once", async () => {
    const file = importFile("bulk.jsonl", 2000, { bad: [{ at: 500, text: "{not json" }, { at: 1500, text: JSON.stringify({ GroupId: "@TGS#_group0", TopicName: "话".repeat(11) }) }] });
    const { emu, url } = await emulatorServer({
      around: (e, n) => {
        if (n % 41 === 0) e.inject({ operation: "importTopic", code: 10002 }); // transient: retried where safe
        if (n % 53 === 0) e.inject({ operation: "importTopic", lose: "answer" }); // applied, answer lost
        if (n % 67 === 0) e.inject({ operation: "importTopic", lose: "request" }); // nothing applied
      },
    });
    const run = await cli(["import", "--file", file, "--rate", "5000", "--concurrency", "32", "--json", ...base(url)]);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.lines).toBe(2002);
    expect(summary.invalid).toEqual([
      { line: 501, reason: "not JSON" },
      expect.objectContaining({ line: 1501, field: "TopicName", reason: expect.stringContaining("33 UTF-8 bytes") }),
    ]);
    const counts = namesCount(emu);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]); // nothing twice
    // Every valid line was imported once, or is reported: uncertain (no TopicId, may have been applied: never
    // repeated) or failed. A line is missing from IM only if it is reported.
    const nameOfLine = new Map(readFileSync(file, "utf8").split("\n").map((text, i) => [i + 1, /"TopicName":"(topic-\d+)"/.exec(text)?.[1]] as const));
    const reported = new Set([...summary.failed, ...summary.uncertain].map((r: { line: number }) => nameOfLine.get(r.line)));
    const missing = Array.from({ length: 2000 }, (_, i) => `topic-${i}`).filter((name) => !counts.has(name));
    expect(missing.filter((name) => !reported.has(name))).toEqual([]);
    expect(summary.done + summary.uncertain.length + summary.failed.length).toBe(2000);
    expect(summary.uncertain.length).toBeGreaterThan(0);
    for (const u of summary.uncertain) expect(u.reason).toContain("not sent again");
    // Lines with their own TopicId are never uncertain: a lost answer is retried and read back.
    for (const u of summary.uncertain) expect(nameOfLine.get(u.line)).toMatch(/^topic-\d*[13579]$/);
    for (const list of [summary.failed, summary.uncertain]) expect(list.map((r: { line: number }) => r.line)).toEqual(list.map((r: { line: number }) => r.line).sort((a: number, b: number) => a - b));

    // Re-run (the faults still coming) until only the bad lines are left. Uncertain lines are settled as an admin
    // would: those whose topic exists are accepted, the others sent again.
    let last = summary;
    for (let round = 0; round < 8 && (last.failed.length || last.uncertain.length); round++) {
      const names = namesCount(emu);
      const exists = (r: { line: number }) => names.has(nameOfLine.get(r.line)!);
      const accept = last.uncertain.filter(exists).map((r: { line: number }) => r.line);
      const resend = last.uncertain.filter((r: { line: number }) => !exists(r)).map((r: { line: number }) => r.line);
      const decisions = [...(accept.length ? [`--accept-uncertain=${accept.join(",")}`] : []), ...(resend.length ? [`--resend-uncertain=${resend.join(",")}`] : [])];
      const again = await cli(["import", "--file", file, "--rate", "5000", "--json", ...decisions, ...base(url)]);
      expect(again.code).toBe(1); // the two bad lines stay
      last = JSON.parse(again.stdout);
      expect(last.invalid.map((r: { line: number }) => r.line)).toEqual([501, 1501]);
    }
    expect(last).toMatchObject({ failed: [], uncertain: [] });
    // Every valid line's topic exists exactly once: nothing lost, nothing twice.
    const final = namesCount(emu);
    expect(Array.from({ length: 2000 }, (_, i) => final.get(`topic-${i}`) ?? 0).filter((n) => n !== 1)).toEqual([]);
    expect(topicsOf(emu)).toHaveLength(2000);
  }, 60_000);

  it("killed halfway (SIGKILL) and resumed: nothing twice, nothing lost; a re-run then changes nothing", async () => {
    const file = importFile("kill.jsonl", 600, { withId: 1 }); // every line with its own TopicId: exactness is checkable
    // Killed once a tenth of the lines have arrived, however long the process took to start on a busy machine.
    let child: ReturnType<typeof spawn> | undefined;
    const { emu, url } = await emulatorServer({
      before: (request, n) => {
        if (n === 60) child?.kill("SIGKILL");
      },
    });
    const killed = await cli(["import", "--file", file, "--rate", "300", ...base(url)], { onStart: (c) => (child = c) });
    expect(killed.code).toBe(null); // killed, no chance to clean up
    const partway = topicsOf(emu).length;
    expect(partway).toBeGreaterThan(0);
    expect(partway).toBeLessThan(600);
    const journal = readFileSync(`${file}.journal`, "utf8");
    expect(journal).toContain('"state":"sending"');

    const resumed = await cli(["import", "--file", file, "--rate", "5000", "--json", ...base(url)]);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.skipped + summary.done).toBe(600);
    expect(summary).toMatchObject({ failed: [], uncertain: [], invalid: [] });
    expect(topicsOf(emu)).toHaveLength(600);
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true);

    const callsBefore = emu.calls.length;
    const again = await cli(["import", "--file", file, "--json", ...base(url)]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ skipped: 600, done: 0 });
    expect(emu.calls.length).toBe(callsBefore); // nothing sent
  }, 60_000);

  it("a line without TopicId in flight when the run stopped is reported as uncertain and not sent again", async () => {
    const file = importFile("noid.jsonl", 400, { withId: 1_000_000 }); // no line has a TopicId (but line 1)
    // From the 21st request on, IM does the work and then never answers: exactly --concurrency lines are in flight.
    let hang = true;
    const { emu, url } = await emulatorServer({ around: (e, n) => hang && n > 20 && e.inject({ operation: "importTopic", latencyMs: 20_000 }) });
    await cli(["import", "--file", file, "--rate", "5000", "--concurrency", "8", ...base(url)], {
      onStart: (child) => {
        const poll = setInterval(() => {
          if (emu.calls.filter((c) => c.processed).length < 28) return;
          clearInterval(poll);
          child.kill("SIGKILL");
        }, 5);
      },
    });
    hang = false;
    expect(topicsOf(emu)).toHaveLength(28); // 20 answered, 8 applied but unanswered
    const resumed = await cli(["import", "--file", file, "--rate", "5000", "--json", ...base(url)]);
    const summary = JSON.parse(resumed.stdout);
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true); // nothing twice
    expect(summary.uncertain).toHaveLength(8);
    for (const u of summary.uncertain) expect(u.reason).toContain("may have been imported");
    expect(summary).toMatchObject({ skipped: 20, done: 372 }); // nothing lost: all accounted for
    expect(topicsOf(emu)).toHaveLength(400);
  }, 60_000);

  it("an ID in use that the journal does not know: ours only if read back equal; another topic's or unreadable is failed", async () => {
    const file = importFile("known.jsonl", 3, { groups: 1, withId: 1 });
    const [mine, theirs] = readFileSync(file, "utf8").split("\n").map((l) => l && (JSON.parse(l) as { GroupId: string; TopicId: string; TopicName: string }));
    const topics = [{ ...(mine as { GroupId: string; TopicId: string; TopicName: string }) }, { ...(theirs as { GroupId: string; TopicId: string }), TopicName: "someone else's" }];
    const readable = await emulatorServer({ topics });
    const first = JSON.parse((await cli(["import", "--file", file, "--json", ...base(readable.url)])).stdout);
    expect(first).toMatchObject({ done: 2, verified: 1 });
    expect(first.failed).toEqual([expect.objectContaining({ line: 2, code: operations.importTopic.duplicateIdCodes[0] })]);
    await served?.close();

    // The same, with every read-back refused: nothing can be confirmed, so nothing is called done that was not imported.
    rmSync(`${file}.journal`, { force: true });
    const unreadable = await emulatorServer({ topics, around: (e) => e.inject({ operation: "getTopic", code: 10004 }) });
    const second = JSON.parse((await cli(["import", "--file", file, "--json", ...base(unreadable.url)])).stdout);
    expect(second).toMatchObject({ done: 1, verified: 0 });
    expect(second.failed.map((f: { line: number }) => f.line)).toEqual([1, 2]);
  }, 30_000);

  it("an import journal in an earlier format is refused (exit 2, naming it) and nothing is sent", async () => {
    const file = importFile("oldjournal.jsonl", 5);
    writeFileSync(`${file}.journal`, `${JSON.stringify({ line: 1, state: "sending" })}\n`);
    const { emu, url } = await emulatorServer();
    const run = await cli(["import", "--file", file, ...base(url)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}.journal`);
    expect(emu.calls).toHaveLength(0);
    expect(existsSync(`${file}.journal.lock`)).toBe(false); // released on an error too
  }, 30_000);

  it("the journal knows lines by content: with a bad line removed and lines reordered, a re-run sends nothing again", async () => {
    const file = importFile("edit.jsonl", 60, { withId: 1_000_000, bad: [{ at: 10, text: "{oops" }] }); // no TopicIds
    const { emu, url } = await emulatorServer();
    const first = JSON.parse((await cli(["import", "--file", file, "--rate", "5000", "--json", ...base(url)])).stdout);
    expect(first).toMatchObject({ done: 60, invalid: [{ line: 11, reason: "not JSON" }] });
    const fixed = readFileSync(file, "utf8").split("\n").filter((line) => line && line !== "{oops").reverse();
    writeFileSync(file, `${fixed.join("\n")}\n`);
    const imports = () => emu.calls.filter((c) => c.operation === "importTopic").length;
    const before = imports();
    const again = JSON.parse((await cli(["import", "--file", file, "--rate", "5000", "--json", ...base(url)])).stdout);
    expect(again).toMatchObject({ lines: 60, skipped: 60, done: 0, invalid: [] });
    expect(imports()).toBe(before);
    expect(topicsOf(emu)).toHaveLength(60);
  }, 60_000);

  it("Ctrl-C drops lines not yet sent, finishes those in flight, and prints a resume command that works as printed", async () => {
    const odd = mkdtempSync(path.join(dir, "it's a dir "));
    const file = importFile(path.relative(dir, path.join(odd, "sigint.jsonl")), 600, { withId: 1 });
    // Interrupted once some lines have arrived, however long the process took to start on a busy machine.
    let child: ReturnType<typeof spawn> | undefined;
    const { emu, url } = await emulatorServer({
      before: (request, n) => {
        if (n === 60) child?.kill("SIGINT");
      },
    });
    const run = await cli(["import", "--file", file, "--rate", "200", "--concurrency", "16", ...base(url)], { onStart: (c) => (child = c) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("stopping");
    expect(existsSync(`${file}.journal.lock`)).toBe(false); // released on the way out
    const resume = /Resume with: (tim-topics import .*)$/m.exec(run.stdout)?.[1];
    expect(resume).toContain("--base-url");
    expect(resume).toContain("--rate=200");
    const records = readFileSync(`${file}.journal`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: string; state: string });
    const last = new Map(records.map((r) => [r.key, r.state]));
    // Everything sent finished and was journaled; lines that were only waiting for a slot left no record.
    expect([...last.values()].filter((s) => s !== "done")).toEqual([]);
    expect(topicsOf(emu).length).toBe(last.size);
    expect(emu.calls.filter((c) => c.operation === "importTopic")).toHaveLength(last.size);

    // The printed command, run by a shell as printed (the path has a space and a quote), finishes the job.
    const shell = await new Promise<Run>((resolve) => {
      const child = spawn("sh", ["-c", resume!.replace(/^tim-topics /, `'${process.execPath}' '${bin}' `) + " --json"], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => (outputs.push(stdout, stderr), resolve({ code, stdout, stderr })));
    });
    expect(shell.code).toBe(0);
    expect(JSON.parse(shell.stdout)).toMatchObject({ skipped: last.size, done: 600 - last.size, failed: [], uncertain: [] });
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true);
    expect(topicsOf(emu)).toHaveLength(600);
  }, 60_000);

  it("Ctrl-C aborts lines in a retry backoff and retries of those in flight: nothing is sent after it; a re-run finishes them, nothing twice", async () => {
    const file = importFile("stopretry.jsonl", 10, { groups: 1, withId: 2 }); // odd lines with TopicId, even lines without
    const lineOf = async (request: Request) => Number(/topic-(\d+)/.exec(((await request.clone().json()) as { TopicName: string }).TopicName)![1]) + 1;
    const inFlight = latch();
    let scripted = true;
    let arrived = 0;
    let afterStop: number | undefined;
    const { emu, url } = await emulatorServer({
      before: async (request) => {
        if (!request.url.includes("import_topic")) return;
        arrived++;
        if (!scripted) return;
        const line = await lineOf(request);
        // Lines 1 and 2 are on the wire when Ctrl-C comes: 1 (TopicId) then fails in a way the SDK retries, 2 (none) is imported.
        if (line === 1 || line === 2) {
          await inFlight.promise;
          if (line === 1) return Response.json({ ActionStatus: "FAIL", ErrorCode: 10002, ErrorInfo: "busy" });
          return;
        }
        // Lines 3 and 4 are refused (nothing applied) and told to wait 30 s: in a backoff when Ctrl-C comes.
        return new Response("", { status: 429, headers: { "retry-after": "30" } });
      },
    });
    const { running, child } = await interruptedImport(file, url, () => arrived === 4, "the first four lines' requests");
    afterStop = arrived;
    inFlight.open();
    // Bounded: a run that sat out the 30 s backoff would be killed here, and fail below.
    const run = await Promise.race([running, new Promise<undefined>((resolve) => setTimeout(resolve, 20_000))]);
    if (!run) child.kill("SIGKILL");
    expect(run?.code).toBe(1);
    expect(arrived - afterStop).toBe(0); // no request after the stop: no retry of line 1, no end of backoff for 3 and 4
    const summary = JSON.parse(run!.stdout);
    expect(summary).toMatchObject({ done: 1, stopped: 3, notStarted: 6, interrupted: true, failed: [], uncertain: [] });
    const last = new Map(readFileSync(`${file}.journal`, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number; state: string }).map((r) => [r.line, r.state]));
    expect(Object.fromEntries(last)).toEqual({ 1: "stopped", 2: "done", 3: "stopped", 4: "stopped" });

    // Line 4 has no TopicId, but it was refused before anything was applied: sent again, not reported uncertain.
    scripted = false;
    const resumed = await cli(["import", "--file", file, "--rate", "5000", "--json", ...base(url)]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ done: 9, skipped: 1, uncertain: [], failed: [] });
    expect(topicsOf(emu)).toHaveLength(10);
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("by default as many calls in flight as --rate per second: the rate limit, not the latency, bounds the pace", async () => {
    const file = importFile("concurrency.jsonl", 40, { withId: 1 });
    const all = latch();
    const held = new Set<string>();
    let most = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    // Requests are answered only once 40 lines wait together — as many as --rate allows in one second, what a 1 s
    // latency keeps in flight — or once none has arrived for 2 s (a run that never gets there must still end, well
    // before the client's 5 s attempt timeout would send retries).
    const { url } = await emulatorServer({
      before: async (request) => {
        if (!request.url.includes("import_topic")) return;
        const name = ((await request.clone().json()) as { TopicName: string }).TopicName;
        held.add(name);
        most = Math.max(most, held.size);
        clearTimeout(idle);
        if (held.size === 40) all.open();
        else idle = setTimeout(all.open, 2_000);
        await all.promise;
        held.delete(name);
      },
    });
    const run = await cli(["import", "--file", file, "--rate", "40", "--json", ...base(url)]);
    expect(run.code).toBe(0);
    expect(most).toBe(40);
    expect((await cli(["import", "--help"])).stdout).toMatch(/--concurrency N\s+calls in flight \(default: as --rate/);
  }, 60_000);

  it("a UTF-8 byte order mark before line 1 is not part of its JSON", async () => {
    const file = importFile("bom.jsonl", 3, { withId: 1 });
    writeFileSync(file, `\uFEFF${readFileSync(file, "utf8")}`);
    const { emu, url } = await emulatorServer();
    const run = await cli(["import", "--file", file, "--json", ...base(url)]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 3, done: 3, invalid: [] });
    expect(topicsOf(emu).map((t) => t.TopicName).sort()).toEqual(["topic-0", "topic-1", "topic-2"]);
  });

  it("uncertain lines wait for a decision: --accept-uncertain settles those found in IM, --resend-uncertain sends the others once", async () => {
    const file = importFile("decide.jsonl", 6, { groups: 1, withId: 1_000_000 }); // no TopicIds (but line 1's)
    const lineOf = async (request: Request) => Number(/topic-(\d+)/.exec(((await request.clone().json()) as { TopicName: string }).TopicName)![1]) + 1;
    let faults = true;
    const { emu, url } = await emulatorServer({
      before: async (request) => {
        if (!faults || !request.url.includes("import_topic")) return;
        const line = await lineOf(request);
        if (line === 2 || line === 3) emu.inject({ operation: "importTopic", lose: "answer" }); // imported, answer lost
        if (line === 4 || line === 5) emu.inject({ operation: "importTopic", lose: "request" }); // lost on the way: not imported
      },
    });
    const args = ["import", "--file", file, "--concurrency", "1", "--json", ...base(url)];
    const first = JSON.parse((await cli(args)).stdout);
    expect(first.uncertain.map((u: { line: number }) => u.line)).toEqual([2, 3, 4, 5]);
    faults = false;

    // Without a decision: reported again, as waiting for one, and not sent (exit 1).
    const calls = emu.calls.length;
    const again = await cli(args);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).uncertain).toEqual([2, 3, 4, 5].map((line) => expect.objectContaining({ line, earlier: true })));
    expect(emu.calls.length).toBe(calls);
    const human = await cli(args.filter((a) => a !== "--json"));
    expect(human.stdout).toContain("--accept-uncertain=2,3,4,5");
    expect(human.stdout).toMatch(/line 2 uncertain since an earlier run/);

    // A line that is not uncertain is refused, naming it, before anything is sent.
    const wrong = await cli([...args, "--accept-uncertain", "1,2"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("line(s) 1 are not uncertain");
    expect(emu.calls.length).toBe(calls);

    // The admin looked: 2 and 3 exist, 4 and 5 do not.
    const names = new Set(topicsOf(emu).map((t) => t.TopicName));
    expect([2, 3, 4, 5].map((line) => names.has(`topic-${line - 1}`))).toEqual([true, true, false, false]);
    const decided = await cli([...args, "--accept-uncertain=2,3", "--resend-uncertain", "4", "--resend-uncertain", "5"]);
    expect(decided.code).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({ accepted: 2, done: 2, uncertain: [], failed: [] });
    expect(topicsOf(emu)).toHaveLength(6);
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true);
    const settled = await cli(args);
    expect(settled.code).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ skipped: 6, done: 0, uncertain: [] });
  }, 60_000);

  it("lists are in line order, whatever order lines finished in; a re-run writes no new record for a line found invalid before", async () => {
    const file = importFile("order.jsonl", 3, { groups: 1, withId: 1, bad: [{ at: 3, text: "{nope" }] });
    const lineOf = async (request: Request) => Number(/topic-(\d+)/.exec(((await request.clone().json()) as { TopicName: string }).TopicName)![1]) + 1;
    let secondDone = latch();
    const { url } = await emulatorServer({
      before: async (request) => {
        if (!request.url.includes("import_topic")) return;
        const line = await lineOf(request);
        // Line 1 fails only after line 2 has failed (and line 3 is imported).
        const gate = secondDone;
        if (line === 1) await gate.promise;
        if (line === 2) setTimeout(gate.open, 300);
        return line === 3 ? undefined : Response.json({ ActionStatus: "FAIL", ErrorCode: 10007, ErrorInfo: "no" });
      },
    });
    const first = await cli(["import", "--file", file, "--concurrency", "3", "--json", ...base(url)]);
    expect(first.code).toBe(1);
    const json = JSON.parse(first.stdout);
    expect(json.failed.map((f: { line: number }) => f.line)).toEqual([1, 2]);
    expect(json.invalid).toEqual([{ line: 4, reason: "not JSON" }]);
    const journal = readFileSync(`${file}.journal`, "utf8");
    secondDone = latch();
    const run = await cli(["import", "--file", file, "--concurrency", "3", ...base(url)]);
    expect(run.code).toBe(1);
    const reported = [...run.stdout.matchAll(/^ {2}line (\d+) (\w+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(reported).toEqual(["1 failed", "2 failed", "4 invalid"]); // the invalid line still reported
    const records = readFileSync(`${file}.journal`, "utf8").slice(journal.length).trim().split("\n").map((l) => JSON.parse(l) as { line: number; state: string });
    expect(records.filter((r) => r.line === 4)).toEqual([]); // but not recorded again
  }, 30_000);

  it("a repeated row with the same TopicId is one topic, counted once; the same TopicId with other fields is invalid", async () => {
    const file = importFile("dupes.jsonl", 3, { groups: 1, withId: 1 });
    const [one, two] = readFileSync(file, "utf8").split("\n");
    const other = JSON.stringify({ ...(JSON.parse(two!) as object), TopicName: "another name" });
    writeFileSync(file, [one, two, one, other, ""].join("\n"));
    const { emu, url } = await emulatorServer();
    const run = await cli(["import", "--file", file, "--json", ...base(url)]);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ lines: 4, done: 2, verified: 0, failed: [] });
    expect(summary.duplicates).toEqual([expect.objectContaining({ line: 3, reason: expect.stringContaining("line 1") })]);
    expect(summary.invalid).toEqual([expect.objectContaining({ line: 4, field: "TopicId", reason: expect.stringContaining("line 2") })]);
    expect(emu.calls.filter((c) => c.operation === "importTopic")).toHaveLength(2);
    expect(topicsOf(emu)).toHaveLength(2);

    // A re-run finds the same duplicate and the same conflict, and sends nothing.
    const again = await cli(["import", "--file", file, "--json", ...base(url)]);
    const second = JSON.parse(again.stdout);
    expect(second).toMatchObject({ lines: 4, skipped: 2, done: 0, failed: [] });
    expect(second.duplicates).toEqual([expect.objectContaining({ line: 3 })]);
    expect(second.invalid).toEqual([expect.objectContaining({ line: 4, field: "TopicId" })]);
    expect(emu.calls.filter((c) => c.operation === "importTopic")).toHaveLength(2);
  });

  it("a second Ctrl-C leaves at once (exit 130), still with one JSON summary on stdout and the lock released", async () => {
    const file = importFile("twice.jsonl", 20, { withId: 1 });
    const held = latch();
    let arrived = 0;
    const { url } = await emulatorServer({
      before: async (request) => {
        if (!request.url.includes("import_topic")) return;
        arrived++;
        await held.promise;
      },
    });
    const { running, child } = await interruptedImport(file, url, () => arrived === 4, "four lines in flight");
    child.kill("SIGINT");
    const run = await running;
    held.open();
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ done: 0, inFlight: 4, notStarted: 16, interrupted: true, resume: expect.stringContaining("tim-topics import") });
    expect(existsSync(`${file}.journal.lock`)).toBe(false);
    expect(readFileSync(`${file}.journal`, "utf8").match(/"sending"/g)).toHaveLength(4);
  }, 30_000);

  it("one run per journal: a second run meanwhile exits 2 naming the lock and sends nothing; a dead holder's lock is taken over, a live one's refused", async () => {
    const file = importFile("lock.jsonl", 20, { withId: 1_000_000 }); // no TopicIds: a second sender would make duplicates
    const lock = `${file}.journal.lock`;
    const gate = latch();
    let arrived = 0;
    // The first run's requests are held until the second run is over (or, were it to send too, until it does).
    const { emu, url } = await emulatorServer({
      before: async () => {
        if (++arrived > 4) gate.open();
        await gate.promise;
      },
    });
    const args = ["import", "--file", file, "--rate", "5000", "--concurrency", "4", "--json", ...base(url)];
    const first = cli(args);
    await until(() => arrived === 4, "the first run's requests");
    expect(existsSync(lock)).toBe(true);
    const second = await cli(args);
    gate.open();
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(lock);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: false, error: { name: "UsageError" } });
    expect((await first).code).toBe(0);
    expect(arrived).toBe(20); // the second run sent nothing
    expect(topicsOf(emu)).toHaveLength(20);
    expect([...namesCount(emu).values()].every((n) => n === 1)).toBe(true);
    expect(existsSync(lock)).toBe(false); // released at the end

    // A lock left by a process that died (a crash, a SIGKILL): taken over.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), started: "2020-01-01T00:00:00.000Z" }));
    const after = await cli(args);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ skipped: 20, done: 0 });
    expect(existsSync(lock)).toBe(false);

    // A lock of a live process (this one): refused, and left as it was.
    const held = JSON.stringify({ pid: process.pid, host: hostname(), started: "2020-01-01T00:00:00.000Z" });
    writeFileSync(lock, held);
    const refused = await cli(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(refused.stderr).toContain(lock);
    expect(readFileSync(lock, "utf8")).toBe(held);
    expect(arrived).toBe(20);
    rmSync(lock);
  }, 60_000);

  it("keeps IM's rate: at most --rate sends in any 1 s window, as they arrive", async () => {
    const file = importFile("rate.jsonl", 300, { withId: 1 });
    const arrivals: number[] = [];
    const { emu, url } = await emulatorServer({ rateLimit: true, around: () => void arrivals.push(performance.now()) });
    const run = await cli(["import", "--file", file, "--rate", "150", "--json", ...base(url)]);
    expect(run.code).toBe(0);
    expect(emu.calls.filter((c) => c.code === 10006)).toEqual([]); // the emulator enforces 200/s: never reached
    // Arrival times carry loopback and event-loop jitter; 30 ms of it is allowed at each window's edge.
    let most = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i]! - arrivals[j]! >= 1000 - 30) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(arrivals).toHaveLength(300);
    expect(most).toBeLessThanOrEqual(150);
    expect(most).toBeGreaterThan(100); // it did run near the rate, so the bound was tested
  }, 60_000);
});

describe("no secret in any output", () => {
  it("the secret key appears in no stdout or stderr of any run above", () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (let i = 0; i + 20 <= SECRET.length; i += 5) {
      const piece = SECRET.slice(i, i + 20);
      for (const text of outputs) expect(text.includes(piece), `secret piece in: ${text.slice(0, 200)}`).toBe(false);
    }
    // UserSigs only where the usersig command prints one on purpose.
    const sigLike = outputs.filter((text) => /usersig=(?!\[REDACTED\])[A-Za-z0-9*_-]{20,}/.test(text));
    expect(sigLike).toEqual([]);
  });
});
