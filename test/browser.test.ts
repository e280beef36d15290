/**
 * How `npm test` finds its browser (scripts/browser.mjs, run by scripts/ensure-browser.mjs as the first step): the
 * decisions against a fake file system, then the real script for the answers that touch nothing.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { APT_INSTALL, findBrowser, planBrowser } from "../scripts/browser.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
/** A file system holding exactly these executables. */
const fs = (...files: string[]) => (file: string) => files.includes(file);
const PATH = "/home/me/bin:/usr/local/bin";

describe("findBrowser", () => {
  it("takes CHROMIUM_PATH over anything on PATH", () => {
    expect(findBrowser({ env: { PATH, CHROMIUM_PATH: "/opt/chrome/chrome" }, exists: fs("/opt/chrome/chrome", "/usr/local/bin/chromium") })).toEqual({
      path: "/opt/chrome/chrome",
      source: "CHROMIUM_PATH",
    });
  });

  it("reports a CHROMIUM_PATH that names no executable instead of looking elsewhere", () => {
    expect(findBrowser({ env: { PATH, CHROMIUM_PATH: "/opt/nothing" }, exists: fs("/usr/local/bin/chromium") })).toEqual({ invalid: "/opt/nothing" });
  });

  it("prefers chromium to google-chrome, and the first PATH directory that has it", () => {
    const exists = fs("/usr/local/bin/google-chrome", "/usr/local/bin/chromium", "/home/me/bin/chromium");
    expect(findBrowser({ env: { PATH }, exists })).toEqual({ path: "/home/me/bin/chromium", source: "chromium" });
  });

  it("finds chromium-browser and google-chrome too", () => {
    expect(findBrowser({ env: { PATH }, exists: fs("/usr/local/bin/chromium-browser") })?.path).toBe("/usr/local/bin/chromium-browser");
    expect(findBrowser({ env: { PATH }, exists: fs("/home/me/bin/google-chrome") })?.path).toBe("/home/me/bin/google-chrome");
  });

  it("looks in /usr/bin when PATH does not list it", () => {
    expect(findBrowser({ env: { PATH: "/nowhere" }, exists: fs("/usr/bin/chromium") })?.path).toBe("/usr/bin/chromium");
    expect(findBrowser({ env: {}, exists: fs("/usr/bin/chromium") })?.path).toBe("/usr/bin/chromium");
  });

  it("finds nothing on a machine without a browser", () => {
    expect(findBrowser({ env: { PATH }, exists: fs("/usr/bin/apt-get") })).toBeUndefined();
  });
});

describe("planBrowser", () => {
  const noBrowser = fs("/usr/bin/apt-get");

  it("uses the browser it finds", () => {
    expect(planBrowser({ env: { PATH }, exists: fs("/usr/bin/chromium"), isRoot: false })).toMatchObject({ action: "use", path: "/usr/bin/chromium" });
  });

  it("installs Debian's chromium with apt-get as root when there is none", () => {
    expect(planBrowser({ env: { PATH }, exists: noBrowser, isRoot: true })).toMatchObject({ action: "install", commands: APT_INSTALL });
    expect(APT_INSTALL.join(" && ")).toBe("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium");
  });

  it("stops with one line naming the sudo apt-get command when not root", () => {
    const plan = planBrowser({ env: { PATH }, exists: noBrowser, isRoot: false });
    expect(plan.action).toBe("stop");
    expect(plan.line).not.toContain("\n");
    expect(plan.line).toContain("`sudo apt-get update && sudo apt-get install -y chromium`");
    expect(plan.line).toContain("CHROMIUM_PATH=");
    expect(plan.line).toContain("TIM_SKIP_BROWSER=1");
  });

  it("stops as root too under TIM_NO_BROWSER_INSTALL=1, naming the command without sudo", () => {
    const plan = planBrowser({ env: { PATH, TIM_NO_BROWSER_INSTALL: "1" }, exists: noBrowser, isRoot: true });
    expect(plan).toMatchObject({ action: "stop" });
    expect(plan.line).toContain("`apt-get update && apt-get install -y chromium`");
  });

  it("asks for CHROMIUM_PATH where there is no apt-get, even as root", () => {
    const plan = planBrowser({ env: { PATH }, exists: fs(), isRoot: true });
    expect(plan.action).toBe("stop");
    expect(plan.line).toMatch(/install Chromium or Chrome and set CHROMIUM_PATH=/);
    expect(plan.line).not.toContain("apt-get");
  });

  it("stops on a wrong CHROMIUM_PATH rather than installing another browser", () => {
    const plan = planBrowser({ env: { PATH, CHROMIUM_PATH: "/opt/nothing" }, exists: noBrowser, isRoot: true });
    expect(plan).toMatchObject({ action: "stop" });
    expect(plan.line).toContain("CHROMIUM_PATH=/opt/nothing");
  });

  it("does nothing under TIM_SKIP_BROWSER=1, whatever else is set", () => {
    expect(planBrowser({ env: { PATH, TIM_SKIP_BROWSER: "1", CHROMIUM_PATH: "/opt/nothing" }, exists: fs(), isRoot: true }).action).toBe("skip");
  });
});

describe("scripts/ensure-browser.mjs", () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [path.join(root, "scripts/ensure-browser.mjs")], { cwd: root, env: { PATH: process.env.PATH ?? "", ...env } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it("exits 1 with exactly one line on stderr when CHROMIUM_PATH names no browser", async () => {
    const result = await run({ CHROMIUM_PATH: path.join(root, ".tmp", "no-such-browser") });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("CHROMIUM_PATH=");
  });

  it("exits 0 and says the browser tests are skipped under TIM_SKIP_BROWSER=1", async () => {
    const result = await run({ TIM_SKIP_BROWSER: "1" });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^browser: skipped \(TIM_SKIP_BROWSER=1\)/);
  });
});
