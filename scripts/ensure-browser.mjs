#!/usr/bin/env node
/**
 * @module ensure-browser — the first step of `npm test`: makes sure the docs test and the Chromium runtime have a
 * headless browser, and tells them which (.tmp/browser-path, read through `browserPath()` in scripts/browser.mjs).
 *
 *   found (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome on PATH or in /usr/bin) → record it;
 *   none, as root with apt-get → `apt-get update && apt-get install -y chromium` (Debian's package, ~35 s), then record;
 *   none otherwise → exit 1 with one line that says what to run;
 *   TIM_SKIP_BROWSER=1 → nothing to do (the browser tests are skipped, and say so);
 *   TIM_NO_BROWSER_INSTALL=1 → never install: stop with that line instead (what a non-root user sees).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RECORD_PATH, findBrowser, planBrowser } from "./browser.mjs";

const env = process.env;
const plan = planBrowser({ env, isRoot: process.getuid?.() === 0 });

/** Stops the run with exactly one line on stderr. */
function stop(line) {
  console.error(line);
  process.exit(1);
}

function record(browser) {
  mkdirSync(path.dirname(RECORD_PATH), { recursive: true });
  writeFileSync(RECORD_PATH, `${browser}\n`);
}

if (plan.action === "stop") stop(plan.line);
console.log(plan.line);
if (plan.action === "use") record(plan.path);
if (plan.action === "install") {
  const started = performance.now();
  for (const command of plan.commands) {
    const result = spawnSync("sh", ["-c", command], { stdio: ["ignore", "inherit", "inherit"], env });
    if (result.status !== 0) stop(`\`${command}\` failed (exit ${result.status ?? result.signal}): install Chromium yourself and set CHROMIUM_PATH, or set TIM_SKIP_BROWSER=1 to skip the browser tests.`);
  }
  const found = findBrowser({ env });
  if (!found?.path) stop("apt-get installed chromium, but no browser is on PATH or in /usr/bin: set CHROMIUM_PATH to it, or TIM_SKIP_BROWSER=1 to skip the browser tests.");
  console.log(`browser: installed ${found.path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  record(found.path);
}
