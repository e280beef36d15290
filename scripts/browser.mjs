/**
 * @module browser — where the headless browser of the docs test and the Chromium runtime is, and what to do when
 * there is none. The decisions are pure functions of the environment (tested in test/browser.test.ts); the effects
 * (apt-get, writing the record) are in scripts/ensure-browser.mjs, the first step of `npm test`.
 *
 * Search order: `CHROMIUM_PATH` (an explicit choice: if it is wrong, that is an error, not a reason to look elsewhere),
 * then `chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable`, each on PATH and then in /usr/bin.
 * ensure-browser writes what it found to .tmp/browser-path, which the rest of the run reads (`browserPath()`).
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Executable names of Chromium and Chrome, in order of preference. */
export const BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
/** Searched after PATH, for environments whose PATH is cut down (the Debian package installs /usr/bin/chromium). */
export const FALLBACK_DIRS = ["/usr/bin"];
/** Where ensure-browser records the browser it found, for the scripts and tests that run after it. */
export const RECORD_PATH = path.join(root, ".tmp", "browser-path");
/** What ensure-browser runs as root on Debian when no browser is found (the Debian package, as on CI). */
export const APT_INSTALL = ["apt-get update -qq", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"];

const SEARCHED = `CHROMIUM_PATH, then ${BROWSER_NAMES.join(", ")} on PATH and in ${FALLBACK_DIRS.join(", ")}`;
const SKIP_HINT = "or set TIM_SKIP_BROWSER=1 to skip the browser tests";

/** Whether `file` is an executable regular file (symlinks followed). */
export function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PATH's directories, then the fallback directories PATH does not already list. */
export function searchDirs(env) {
  const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  return [...dirs, ...FALLBACK_DIRS.filter((dir) => !dirs.includes(dir))];
}

/** The first `name` in the search directories that `exists` accepts, or undefined. */
export function findCommand(name, { env, exists = isExecutable }) {
  for (const dir of searchDirs(env)) {
    const candidate = path.join(dir, name);
    if (exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds a browser. Returns `{ path, source }`, `{ invalid }` when `CHROMIUM_PATH` names no executable, or undefined.
 * @param {{ env: Record<string, string | undefined>, exists?: (file: string) => boolean }} options
 */
export function findBrowser({ env, exists = isExecutable }) {
  if (env.CHROMIUM_PATH) return exists(env.CHROMIUM_PATH) ? { path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH" } : { invalid: env.CHROMIUM_PATH };
  for (const name of BROWSER_NAMES) {
    const found = findCommand(name, { env, exists });
    if (found) return { path: found, source: name };
  }
  return undefined;
}

/**
 * What ensure-browser does, as data:
 *   { action: "skip", line }               TIM_SKIP_BROWSER=1: nothing to find, the browser tests are skipped;
 *   { action: "use", path, line }          a browser was found: record it;
 *   { action: "install", commands, line }  none, but this is root on a machine with apt-get: install Debian's chromium;
 *   { action: "stop", line }               none, and nothing to install it with: stop, and say in one line what to run.
 * `TIM_NO_BROWSER_INSTALL=1` forbids the install (a root user who does not want the test run to install packages;
 * also how the non-root answer is reproduced as root).
 * @param {{ env: Record<string, string | undefined>, exists?: (file: string) => boolean, isRoot: boolean }} options
 */
export function planBrowser({ env, exists = isExecutable, isRoot }) {
  if (env.TIM_SKIP_BROWSER === "1") return { action: "skip", line: `browser: skipped (TIM_SKIP_BROWSER=1): the docs page and Chromium runtime checks will not run` };
  const found = findBrowser({ env, exists });
  if (found?.invalid) {
    return { action: "stop", line: `No browser at CHROMIUM_PATH=${found.invalid}: point it at a Chromium or Chrome executable, or unset it, ${SKIP_HINT}.` };
  }
  if (found) return { action: "use", path: found.path, line: `browser: ${found.path} (${found.source === "CHROMIUM_PATH" ? "CHROMIUM_PATH" : `found ${found.source}`})` };
  const apt = findCommand("apt-get", { env, exists });
  if (apt && isRoot && env.TIM_NO_BROWSER_INSTALL !== "1") {
    return { action: "install", commands: APT_INSTALL, line: `browser: none found (${SEARCHED}); installing Debian's chromium: ${APT_INSTALL.join(" && ")}` };
  }
  const noBrowser = `No Chromium or Chrome found (searched ${SEARCHED})`;
  if (apt) {
    const sudo = isRoot ? "" : "sudo ";
    return { action: "stop", line: `${noBrowser}: run \`${sudo}apt-get update && ${sudo}apt-get install -y chromium\`, or set CHROMIUM_PATH=/path/to/chrome, ${SKIP_HINT}.` };
  }
  return { action: "stop", line: `${noBrowser}: install Chromium or Chrome and set CHROMIUM_PATH=/path/to/it, ${SKIP_HINT}.` };
}

/**
 * The browser for this run: `CHROMIUM_PATH`, else what ensure-browser recorded (if it still exists), else a search.
 * Undefined when there is none.
 */
export function browserPath(env = process.env) {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  try {
    const recorded = readFileSync(RECORD_PATH, "utf8").trim();
    if (recorded && isExecutable(recorded)) return recorded;
  } catch {
    // no record: search
  }
  const found = findBrowser({ env });
  return found?.path;
}
