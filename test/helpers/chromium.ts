/**
 * Headless Chromium for tests (docs page, browser runtime): the browser `npm test`'s first step found or installed
 * (scripts/ensure-browser.mjs; `CHROMIUM_PATH` wins), launched with the background services off so the browser itself
 * stays quiet, plus a context that refuses non-local requests.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";
import { browserPath, isExecutable } from "../../scripts/browser.mjs";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** `TIM_SKIP_BROWSER=1` skips browser tests on machines without Chromium; otherwise a missing Chromium is a failure. */
export const skipBrowser = process.env.TIM_SKIP_BROWSER === "1";

/** Launches headless Chromium (Playwright gives each launch a fresh temporary profile). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = browserPath();
  if (!executablePath || !isExecutable(executablePath)) {
    throw new Error(
      `No browser${executablePath ? ` at ${executablePath}` : ""}: run \`node scripts/ensure-browser.mjs\` (the first step of npm test), ` +
        "point CHROMIUM_PATH at Chromium or Chrome, or set TIM_SKIP_BROWSER=1 to skip the browser tests.",
    );
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

/** Whether a request stays on this machine: file:, data:, blob:, or an http(s)/ws(s) URL on a loopback host. */
export function isLocalUrl(url: string): boolean {
  const parsed = new URL(url);
  if (["file:", "data:", "blob:", "about:"].includes(parsed.protocol)) return true;
  return ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname);
}

/**
 * A browser context in which every non-local request is aborted and recorded in `blocked`, so a test can assert that
 * nothing tried to leave the machine.
 */
export async function offlineContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; blocked: string[] }> {
  // Service workers would fetch outside `route`; the pages under test do not need them.
  const context = await browser.newContext({ serviceWorkers: "block", ...options });
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    blocked.push(url);
    return route.abort("internetdisconnected");
  });
  // WebSockets bypass `route`, so they get their own gate.
  await context.routeWebSocket(/.*/, (ws) => {
    if (isLocalUrl(ws.url())) return void ws.connectToServer();
    blocked.push(ws.url());
    return ws.close();
  });
  return { context, blocked };
}
