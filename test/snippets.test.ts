/**
 * The TypeScript a user reads compiles, under `strict`, `exactOptionalPropertyTypes` and `noUncheckedIndexedAccess`,
 * against the declarations the package ships (scripts/typecheck-snippets.mjs): every ```ts block of README.md, and the
 * SDK sample the docs page shows for every operation of the spec.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { docsSpec, operationsOf } from "../scripts/build-docs.mjs";
import { extractTsBlocks, readmeSnippets, typecheckSnippets } from "../scripts/typecheck-snippets.mjs";

describe("extractTsBlocks", () => {
  const markdown = [
    "# Title", // 1
    "```ts", // 2
    'const a = "first";', // 3
    "```", // 4
    "```sh", // 5
    "```ts (not a fence opener: inside a sh block)", // 6
    "```", // 7
    "<!-- typecheck: skip (a fragment on purpose) -->", // 8
    "```typescript", // 9
    "fragment(", // 10
    "```", // 11
    "````ts", // 12
    "```", // 13
    "````", // 14
  ].join("\n");

  it("finds ts and typescript blocks with the README line of their first code line, and nothing in other blocks", () => {
    expect(extractTsBlocks(markdown)).toEqual([
      { line: 3, code: 'const a = "first";', skip: undefined },
      { line: 10, code: "fragment(", skip: "(a fragment on purpose)" },
      { line: 13, code: "```", skip: undefined },
    ]);
  });
});

describe("README.md", () => {
  it(
    "every ```ts block compiles as a user's module, with `tim-topics` the shipped declarations",
    async () => {
      const { checked } = await readmeSnippets();
      expect(checked.length).toBeGreaterThan(0);
      const errors = await typecheckSnippets(checked);
      const report = errors.map((e) => `${e.where} ${e.code} ${e.message}`).join("\n");
      expect(errors, `README snippets that do not compile:\n${report}`).toEqual([]);
    },
    120_000,
  );

  it("opts no block out of the check", async () => {
    // The skip marker exists for code that cannot compile on its own; the README has none. Adding one is a decision
    // to make here, visibly, not in passing.
    expect((await readmeSnippets()).skipped).toEqual([]);
  });
});

describe("docs/index.html", () => {
  it(
    "the SDK sample of every operation compiles",
    async () => {
      const spec = parse(readFileSync(new URL("../openapi/openapi.yaml", import.meta.url), "utf8"));
      const samples = operationsOf(docsSpec(spec)).flatMap(([, , operation]) =>
        (operation["x-codeSamples"] ?? [])
          .filter((sample) => sample.lang === "TypeScript")
          .map((sample) => ({ file: `docs sample of ${operation.operationId}`, line: 1, code: sample.source })),
      );
      expect(samples).toHaveLength(operationsOf(spec).length);
      const errors = await typecheckSnippets(samples);
      expect(errors, errors.map((e) => `${e.where} ${e.code} ${e.message}`).join("\n")).toEqual([]);
    },
    120_000,
  );
});

describe("README.md's table of operations", () => {
  it("has a row for every operation of the spec, with its path", async () => {
    const { operationTable } = await import("../src/operations.js");
    const { operationIds } = await import("../generated/operations.js");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const operation of operationIds) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${operation}(body, options?)\``));
      expect(row, `README has no row for ${operation}`).toBeDefined();
      expect(row).toContain(operationTable[operation].path.replace(/^\/v4\//, ""));
    }
  });
});
