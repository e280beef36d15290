/**
 * The API docs page works with the network off: scripts/build-docs.mjs builds it into a temp dir, headless Chromium
 * opens it from file:// with every non-local request aborted, and the test checks that nothing tried to leave the
 * machine, that the page hydrated (not stuck on "Loading"), that both operations render and that the error-code tables
 * render with the spec's retry classes. And that a reader gets what the SDK is about: every byte-limited request field
 * of every operation says "at most N UTF-8 bytes" and no character limit, the text has a CJK font in its font stack,
 * and every operation of the spec shows its SDK call, `im.<operationId>(…)`, once per request example, beside the
 * REST payload.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { errorCodeRows } from "../generated/error-codes.js";
import type { ErrorCodeRow } from "../src/api-error.js";
import { byteLimitText } from "../scripts/build-docs.mjs";
import { listCallbacks } from "../scripts/lib/callbacks.mjs";
import { limitedFields } from "./helpers/limits.js";
import { launchChromium, offlineContext, skipBrowser } from "./helpers/chromium.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every operation of the spec: its id, the Redoc section (`<tag>/<operationid>`, also its hash route), its examples. */
const spec = parse(await readFile(path.join(root, "openapi/openapi.yaml"), "utf8"));
const operations = Object.values(spec.paths as Record<string, Record<string, any>>).flatMap((item) =>
  Object.values(item)
    .filter((operation) => typeof operation?.operationId === "string")
    .map((operation) => ({
      operationId: operation.operationId as string,
      summary: String(operation.summary),
      section: `${String(operation.tags?.[0] ?? "").toLowerCase()}/${operation.operationId.toLowerCase()}`,
      requestExamples: Object.keys(operation.requestBody?.content?.["application/json"]?.examples ?? {}).length,
    })),
);
/** Font families with Chinese glyphs (any one of them in the stack will do). */
const CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei"];

describe("docs page", () => {
  let dir: string;
  let htmlPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tim-docs-test-"));
    htmlPath = path.join(dir, "index.html");
    await promisify(execFile)(process.execPath, [path.join(root, "scripts/build-docs.mjs"), htmlPath], { cwd: root });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("names no CDN, font or telemetry host in the HTML", async () => {
    const html = await readFile(htmlPath, "utf8");
    expect(html).not.toMatch(/cdn\.redoc\.ly|cdn\.redocly\.com|otel\.cloud\.redocly\.com|fonts\.(googleapis|gstatic)\.com/);
    // The Redoc scripts are inlined, not loaded.
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it("is what is committed as docs/index.html (the build is reproducible: run `npm run docs` after a spec change)", async () => {
    const built = await readFile(htmlPath, "utf8");
    const committed = await readFile(path.join(root, "docs/index.html"), "utf8");
    expect(built === committed, "docs/index.html is stale: run `npm run docs` and commit it").toBe(true);
  });

  describe.skipIf(skipBrowser)("offline, in headless Chromium", () => {
    let browser: Browser | undefined;
    let context: BrowserContext;
    let blocked: string[];

    beforeAll(async () => {
      browser = await launchChromium();
      ({ context, blocked } = await offlineContext(browser, { viewport: { width: 1400, height: 900 } }));
      context.setDefaultTimeout(10_000);
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** Opens the page, optionally at a hash route (Redoc hydrates with hash routing: `#/topics/createtopic`). */
    async function open(hash = ""): Promise<Page> {
      const page = await context.newPage();
      await page.goto(pathToFileURL(htmlPath).href + hash);
      return page;
    }

    /** "Loading..." shows briefly while the search index builds; a page stuck on it never got its scripts running. */
    async function expectNotLoading(page: Page): Promise<void> {
      await expect.poll(() => page.locator("body").innerText(), { timeout: 10_000 }).not.toMatch(/Loading/i);
    }

    it("hydrates, and every operation renders when reached through the sidebar", async () => {
      const page = await open();
      await expect.poll(() => page.locator("body").innerText()).toContain("Tencent Cloud IM — Community topics");

      // Only the overview is prerendered: the operation links appear once the app runs and the "Topics" group opens
      // (clicking before hydration just sets #/topics, which the app then opens).
      await page.locator('a[href="#/topics"]').first().click();
      expect(operations.length).toBeGreaterThan(0);
      for (const [route, summary] of operations.map((o) => [`#/${o.section}`, o.summary] as const)) {
        await page.locator(`a[href="${route}"]`).first().click();
        await expect.poll(() => page.url()).toMatch(new RegExp(`${route}$`));
        const heading = page.locator("h1, h2").filter({ hasText: summary }).first();
        await heading.waitFor({ state: "visible" });
        expect((await heading.textContent())?.trim()).toBe(summary);
      }
      await expectNotLoading(page);
      await page.close();
    });

    describe("error-code tables", () => {
      // Every error-code schema of the spec (one per operation's private codes, and the public ones), with the rows it
      // must render; spot checks pick the first and last code of each, so a table cut short fails too.
      const schemas = spec.components.schemas as Record<string, { "x-operations"?: string[]; enum?: number[] }>;
      const cases: [schema: string, pick: (row: ErrorCodeRow) => boolean, spotChecks: number[]][] = Object.entries(schemas)
        .filter(([, schema]) => Array.isArray(schema["x-operations"]) && Array.isArray(schema.enum))
        .map(([name, schema]) => {
          const isPublic = name.startsWith("Public");
          const op = schema["x-operations"]![0]!;
          const codes = schema.enum!;
          return [name.toLowerCase(), (r: ErrorCodeRow) => (isPublic ? r.public : !r.public && r.operations.includes(op as never)), [codes[0]!, codes[codes.length - 1]!]];
        });

      it("covers the private codes of every operation and the public codes", () => {
        expect(cases.map(([schema]) => schema)).toEqual(expect.arrayContaining([...operations.map((o) => `${o.operationId.toLowerCase()}privateerrorcode`), "publicerrorcode"]));
      });

      it.each(cases)("#/schemas/%s renders every code with its retry class", async (schema, pick, spotChecks) => {
        const page = await open(`#/schemas/${schema}`);
        // Neighbouring schemas render too, so only this schema's section counts.
        const table = page.locator(`[id="schemas/${schema}"] table`);
        await table.first().waitFor();
        // Each row: [code, name, 中文, English, retry class].
        const rows = await table.evaluateAll((tables) =>
          tables
            .flatMap((t) => [...t.querySelectorAll("tbody tr")])
            .map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())),
        );
        const expected = errorCodeRows.filter(pick).map((r) => [String(r.code), r.name, r.zh, r.en, r.retry]);
        expect(rows).toEqual(expected);
        for (const code of spotChecks) {
          const retry = errorCodeRows.find((r) => r.code === code && pick(r))?.retry;
          expect(retry).toBeDefined();
          expect(rows).toContainEqual(expect.arrayContaining([String(code), retry]));
        }
        await expectNotLoading(page);
        await page.close();
      });
    });

    describe("what a reader of the SDK needs", () => {
      it("the spec has operations, and the byte limits cover them", () => {
        expect(operations.length).toBeGreaterThan(0);
        expect(limitedFields.length).toBeGreaterThan(0);
        for (const { operation } of limitedFields) expect(operations.map((o) => o.operationId)).toContain(operation);
      });

      it.each(operations.filter((o) => limitedFields.some((f) => f.operation === o.operationId)))(
        "$operationId: every byte-limited request field says its limit in UTF-8 bytes, not in characters",
        async ({ operationId, section }) => {
          const page = await open(`#/${section}`);
          const limits = limitedFields.filter((f) => f.operation === operationId).map((f) => [f.path, f.maxBytes] as const);
          expect(limits.length).toBeGreaterThan(0);
          for (const [field, bytes] of limits) {
            // `TopicIdList[]` is a limit on each item: Redoc folds items away, so the array's own entry must say it.
            const name = field.replace(/\[\]$/, "");
            const item = page.locator(`[id="${section}/t=request&path=${name.toLowerCase()}"]`);
            await item.waitFor();
            const text = await item.innerText();
            // The sentence the docs build generates from x-maxBytes (the spec's own prose may say it too; this one is the
            // build's, so the check fails if the build stops saying it).
            const generated = `${name === field ? "Length" : "Each item"}: ${byteLimitText(bytes).replace(/\*\*/g, "")}`;
            expect(text, `${operationId} ${field}`).toContain(generated);
            // Redoc's renderings of maxLength: "<= 30 characters", "≤ 30 characters", "[ 1 .. 30 ] characters".
            expect(text, `${operationId} ${field}`).not.toMatch(new RegExp(`(?:<=|≤|\\.\\.)\\s*${bytes}\\s*\\]?\\s*characters`));
          }
          await page.close();
        },
      );

      it("sets the text, and the code, in a font stack with CJK fonts", async () => {
        const first = operations[0]!;
        const page = await open(`#/${first.section}`);
        const description = page.locator(`[id="${first.section}"] p`).first();
        await description.waitFor();
        const fonts = await description.evaluate((p) => getComputedStyle(p).fontFamily);
        expect(CJK_FONTS.some((font) => fonts.includes(font)), fonts).toBe(true);
        const code = page.locator(`[id="${first.section}"] .panel-request-samples pre`).first();
        await code.waitFor();
        const codeFonts = await code.evaluate((pre) => getComputedStyle(pre).fontFamily);
        expect(CJK_FONTS.some((font) => codeFonts.includes(font)), codeFonts).toBe(true);
        await page.close();
      });

      it.each(operations)(
        "$operationId: shows the SDK call for each request example, with the REST payload one click away",
        async ({ operationId, section, requestExamples }) => {
          const page = await open(`#/${section}`);
          const panel = page.locator(`[id="${section}"] .panel-request-samples`).first();
          await panel.waitFor();
          // The TypeScript sample is the panel's first language, shown without a click.
          await expect.poll(() => panel.innerText()).toContain(`im.${operationId}(`);
          const text = await panel.innerText();
          expect(text.split(`im.${operationId}(`).length - 1).toBe(requestExamples);
          await panel.getByRole("button", { name: "TypeScript" }).click();
          expect(await page.getByRole("menuitem").allInnerTexts()).toEqual(expect.arrayContaining(["TypeScript", "Payload"]));
          await page.close();
        },
      );
    });

    it("renders every callback of x-webhooks under Callbacks", async () => {
      const page = await open("#/callbacks");
      const summaries = listCallbacks(spec).entries.map((e) => e.operation.summary as string);
      expect(summaries.length).toBeGreaterThan(0);
      for (const summary of summaries) await expect.poll(() => page.locator("body").innerText()).toContain(summary);
      await page.close();
    });

    it("attempted no request that would leave the machine", () => {
      // Runs last: every page above was opened in this context.
      expect(blocked).toEqual([]);
    });
  });
});
