/**
 * Tests of the spec itself (openapi/openapi.yaml), the single source of truth:
 *   a. every example validates against its schema (Ajv 8 on the OAS 3.0.3 schemas), and the validator rejects bad values;
 *   b. every JSON example of Tencent's doc pages (test/fixtures/seeds) validates and is carried by the spec;
 *   c. the generated UTF-8 byte limits match `x-maxBytes`, and `utf8ByteLength` classifies boundary strings;
 *   d. the lint rules fail on a broken spec, and the real spec lints clean;
 *   e. generated/ is up to date with the spec.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { operationIds } from "../generated/operations.js";
import { listCallbacks } from "../scripts/lib/callbacks.mjs";
import { listOperations, pointer as specPointer } from "../scripts/lib/spec.mjs";
import { errorsOf } from "./helpers/ajv.js";
import { utf8ByteLength } from "../src/internal/utf8.js";
import { limitedFields } from "./helpers/limits.js";

// The spec is plain JSON data of arbitrary shape; tests walk it without a schema of their own.
type Node = Record<string, any>;

const root = fileURLToPath(new URL("..", import.meta.url));
const specPath = path.join(root, "openapi/openapi.yaml");
const spec: Node = parse(readFileSync(specPath, "utf8"));

const pointer = (segments: (string | number)[]) => specPointer(segments);

/** Resolves a local `$ref` (`#/components/...`) in the spec. */
function deref(node: Node): Node {
  let current = node;
  while (typeof current.$ref === "string") {
    const segments = current.$ref.replace(/^#\//, "").split("/").map((s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    current = segments.reduce((acc: Node, key: string) => acc[key], spec);
  }
  return current;
}

interface ExampleCase {
  /** Where the example is, for the test name. */
  where: string;
  kind: "media-type" | "parameter" | "schema";
  schemaPointer: string;
  value: unknown;
}

/** Every example of the spec: named/single examples next to a `schema`, and `example` on any schema node. */
function collectExamples(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  const schemaRoots: (string | number)[][] = Object.keys(spec.components.schemas).map((name) => ["components", "schemas", name]);

  // Media types and parameters: an object with a `schema` may carry `examples` (named) or `example`.
  const walk = (node: unknown, at: (string | number)[]): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...at, i]));
    const obj = node as Node;
    if (obj.schema && typeof obj.schema === "object") {
      schemaRoots.push([...at, "schema"]);
      const kind = obj.in ? "parameter" : "media-type";
      const schemaPointer = pointer([...at, "schema"]);
      for (const [name, example] of Object.entries<Node>(obj.examples ?? {})) {
        const resolved = deref(example);
        if (!("value" in resolved)) throw new Error(`${pointer(at)} example ${name} has no inline value`);
        cases.push({ where: `${pointer(at)} examples.${name}`, kind, schemaPointer, value: resolved.value });
      }
      if ("example" in obj) cases.push({ where: `${pointer(at)} example`, kind, schemaPointer, value: obj.example });
      return; // The schema itself is walked below.
    }
    for (const [key, value] of Object.entries(obj)) walk(value, [...at, key]);
  };
  walk(spec.paths, ["paths"]);
  walk(spec["x-webhooks"], ["x-webhooks"]);
  for (const section of ["parameters", "requestBodies", "responses", "headers"]) {
    walk(spec.components[section], ["components", section]);
  }

  // Schema-level `example`, on every schema node reachable from the roots (properties, items, compositions).
  const seen = new Set<string>();
  const walkSchema = (at: (string | number)[]): void => {
    const schemaPointer = pointer(at);
    const schema = at.reduce<Node>((acc, key) => acc[key], spec);
    if (seen.has(schemaPointer) || !schema || typeof schema !== "object" || schema.$ref) return;
    seen.add(schemaPointer);
    const kind = at[1] === "parameters" ? "parameter" : "schema";
    if ("example" in schema) cases.push({ where: `${schemaPointer} example`, kind, schemaPointer, value: schema.example });
    for (const name of Object.keys(schema.properties ?? {})) walkSchema([...at, "properties", name]);
    for (const key of ["items", "additionalProperties", "not"]) if (typeof schema[key] === "object") walkSchema([...at, key]);
    for (const key of ["allOf", "anyOf", "oneOf"]) (schema[key] ?? []).forEach((_: unknown, i: number) => walkSchema([...at, key, i]));
  };
  schemaRoots.forEach(walkSchema);
  return cases;
}

const exampleCases = collectExamples();

/** JSON pointers of an operation's JSON request body and 200 response media types (scripts/lib/spec.mjs finds them). */
function operationMediaTypes(operationId: string): { request: string[]; response: string[] } {
  const entry = listOperations(spec).find((e) => e.operationId === operationId);
  if (!entry?.request || !entry.response) throw new Error(`No operation ${operationId} with JSON bodies`);
  return { request: entry.request.pointer.map(String), response: entry.response.pointer.map(String) };
}

/** JSON pointers of a callback's body and 200 reply media types (`x-webhooks`). */
function callbackMediaTypes(command: string): { request: string[]; response: string[] } {
  const entry = listCallbacks(spec).entries.find((e) => e.command === command);
  if (!entry) throw new Error(`No callback ${command}`);
  return { request: [...entry.pointer, "requestBody", "content", "application/json"], response: [...entry.pointer, "responses", "200", "content", "application/json"] };
}

const at = (segments: string[]): Node => segments.reduce<Node>((acc, key) => acc[key], spec);

describe("a. every example in the spec validates against its schema", () => {
  it("finds media-type, parameter and schema-level examples", () => {
    const kinds = new Set(exampleCases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(["media-type", "parameter", "schema"]);
    // Every operation's request and response bodies carry named examples.
    expect(operationIds.length).toBeGreaterThan(0);
    for (const operationId of operationIds) {
      const { request, response } = operationMediaTypes(operationId);
      for (const mediaType of [request, response]) {
        expect(exampleCases.filter((c) => c.where.startsWith(`${pointer(mediaType)} examples.`)).length).toBeGreaterThan(0);
      }
    }
  });

  it.each(exampleCases.map((c) => [c.where, c] as const))("%s", (_where, example) => {
    expect(errorsOf(example.schemaPointer, example.value)).toEqual([]);
  });

  describe("the same validator rejects bad values", () => {
    const createRequest = pointer(operationMediaTypes("createTopic").request) + "/schema";
    const createResponse = pointer(operationMediaTypes("createTopic").response) + "/schema";
    const valid = { GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicName: "TestTopic" };

    it("accepts the minimal create_topic body (control)", () => {
      expect(errorsOf(createRequest, valid)).toEqual([]);
    });
    it("rejects a TopicName of 31 ASCII characters", () => {
      expect(errorsOf(createRequest, { ...valid, TopicName: "a".repeat(31) }).join("\n")).toMatch(/TopicName.*30 characters/);
    });
    it("rejects an unknown property in CreateTopicRequest", () => {
      expect(errorsOf(createRequest, { ...valid, Topicname: "typo" }).join("\n")).toMatch(/additional properties/);
    });
    it("rejects a GroupId that is not a Community ID", () => {
      expect(errorsOf(createRequest, { ...valid, GroupId: "@TGS#cQVLVHIM62CJ" }).join("\n")).toMatch(/GroupId.*pattern/);
    });
    it("rejects a create_topic response whose ErrorCode is not documented", () => {
      expect(errorsOf(createResponse, { ActionStatus: "FAIL", ErrorCode: 12345, ErrorInfo: "?" })).not.toEqual([]);
    });
    it("rejects an sdkappid of 0 (parameter schema)", () => {
      expect(errorsOf(pointer(["components", "parameters", "sdkappid", "schema"]), 0)).not.toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------------

/**
 * The doc pages' JSON examples, one folder per page, listed in test/fixtures/pages.json with the page's operation, its
 * source, and how many request and response examples the page has (a fact of the page, checked here).
 */
interface Page {
  dir: string;
  /** The operation whose examples these are, or the callback's command word (`x-webhooks`). */
  operation?: string;
  callback?: string;
  source: string;
  requests: number;
  responses: number;
}
const fixturesDir = path.join(root, "test/fixtures");
const pages: Record<string, Page> = JSON.parse(readFileSync(path.join(fixturesDir, "pages.json"), "utf8"));
const pageFixtures = Object.entries(pages).flatMap(([page, { dir }]) =>
  readdirSync(path.join(fixturesDir, dir))
    .filter((file) => file.endsWith(".json"))
    .map((file) => ({ page, file, value: JSON.parse(readFileSync(path.join(fixturesDir, dir, file), "utf8")) as unknown })),
);

describe("b. the doc pages' JSON examples (test/fixtures/pages.json)", () => {
  it("has a page for every operation and every callback, and every example of each page", () => {
    expect(new Set(Object.values(pages).flatMap((p) => (p.operation ? [p.operation] : [])))).toEqual(new Set(operationIds));
    expect(new Set(Object.values(pages).flatMap((p) => (p.callback ? [p.callback] : [])))).toEqual(new Set(listCallbacks(spec).entries.map((e) => e.command)));
    for (const [page, { requests, responses }] of Object.entries(pages)) {
      const files = pageFixtures.filter((f) => f.page === page).map((f) => f.file);
      expect(files.filter((f) => f.startsWith("request-")), page).toHaveLength(requests);
      expect(files.filter((f) => f.startsWith("response-")), page).toHaveLength(responses);
    }
  });

  it.each(pageFixtures.map((f) => [`${f.page}/${f.file}`, f] as const))("%s validates and is one of the spec's examples", (_name, fixture) => {
    const kind = fixture.file.startsWith("request-") ? "request" : "response";
    const page = pages[fixture.page]!;
    const mediaType = page.operation ? operationMediaTypes(page.operation)[kind] : callbackMediaTypes(page.callback!)[kind];
    expect(errorsOf(pointer(mediaType) + "/schema", fixture.value)).toEqual([]);
    const specExamples = Object.values<Node>(at(mediaType).examples ?? {}).map((e) => deref(e).value);
    expect(specExamples).toContainEqual(fixture.value);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

/** A string of exactly `bytes` UTF-8 bytes: as many `unit`s as fit, padded with ASCII. */
function ofBytes(unit: string, bytes: number): string {
  const size = Buffer.byteLength(unit);
  return unit.repeat(Math.floor(bytes / size)) + "a".repeat(bytes % size);
}

describe("c. UTF-8 byte limits", () => {
  it("the generated rules carry exactly the spec's x-maxBytes, read independently from the YAML", () => {
    const fromYaml: string[] = [];
    for (const operationId of operationIds) {
      const body = deref(at(operationMediaTypes(operationId).request).schema);
      for (const [name, property] of Object.entries<Node>(body.properties)) {
        const schema = deref(property);
        if (schema["x-maxBytes"] !== undefined) fromYaml.push(`${operationId}.${name}=${schema["x-maxBytes"]}`);
        if (schema.items && deref(schema.items)["x-maxBytes"] !== undefined) fromYaml.push(`${operationId}.${name}[]=${deref(schema.items)["x-maxBytes"]}`);
      }
    }
    expect(limitedFields.map((f) => `${f.operation}.${f.path}=${f.maxBytes}`).sort()).toEqual(fromYaml.sort());
    // The documented limits (创建话题: 最长30/3000/100/300/240字节), an oracle independent of the spec.
    const create = Object.fromEntries(limitedFields.filter((f) => f.operation === "createTopic").map((f) => [f.path, f.maxBytes]));
    expect(create).toMatchObject({ TopicName: 30, CustomString: 3000, FaceUrl: 100, Notification: 300, Introduction: 240 });
  });

  // Distinct limits only: the boundary behaviour depends on the number, not the field.
  const entries = [...new Set(limitedFields.map((f) => f.maxBytes))].map((limit) => [limitedFields.find((f) => f.maxBytes === limit)!.path, limit] as const);
  const units = [
    ["ASCII", "a"],
    ["3-byte CJK", "话"],
    ["4-byte emoji", "😀"],
  ] as const;

  describe.each(entries)("%s and every field limited to %i bytes", (_field, limit) => {
    it.each(units)("%s: limit passes, limit + 1 fails", (_unit, unit) => {
      for (const bytes of [limit, limit + 1]) {
        const value = ofBytes(unit, bytes);
        expect(Buffer.byteLength(value, "utf8")).toBe(bytes); // independent count
        expect(utf8ByteLength(value)).toBe(bytes);
        expect(utf8ByteLength(value)! <= limit).toBe(bytes === limit);
      }
    });
  });

  it("a lone surrogate has no UTF-8 length", () => {
    expect(utf8ByteLength("\uD800")).toBeUndefined();
    expect(utf8ByteLength("a\uDC00")).toBeUndefined();
    expect(utf8ByteLength("\uD800a")).toBeUndefined();
    expect(utf8ByteLength("😀")).toBe(4); // a proper pair still counts
  });
});

// ---------------------------------------------------------------------------------------------------------------------

/** Runs a Node script; resolves with its exit code and combined output (never rejects on a non-zero exit). */
function runNode(args: string[], cwd = root): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, env: { ...process.env, REDOCLY_TELEMETRY: "off", NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

const redocly = path.join(root, "node_modules/@redocly/cli/bin/cli.js");

/** Lints a mutated copy of the spec with the project's redocly.yaml (root and plugin paths made absolute). */
async function lintMutated(mutate: (copy: Node) => void): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "tim-lint-"));
  try {
    const copy = structuredClone(spec);
    mutate(copy);
    await writeFile(path.join(dir, "openapi.yaml"), stringify(copy));
    const config: Node = parse(readFileSync(path.join(root, "redocly.yaml"), "utf8"));
    for (const api of Object.values<Node>(config.apis)) api.root = path.join(dir, "openapi.yaml");
    config.plugins = (config.plugins as string[]).map((plugin) => path.resolve(root, plugin));
    await writeFile(path.join(dir, "redocly.yaml"), stringify(config));
    return await runNode([redocly, "lint", "--config", path.join(dir, "redocly.yaml")], dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("d. the lint rules", () => {
  const createTopic = (copy: Node): Node => copy.paths["/v4/million_group_open_http_svc/create_topic"].post;

  it.concurrent("the real spec lints clean", async () => {
    const { code, output } = await runNode([redocly, "lint", "--config", "redocly.yaml"]);
    expect(output).not.toMatch(/generated by the .* rule/);
    expect(code).toBe(0);
  });

  it.concurrent.each([
    [
      "tim/max-length-within-bytes",
      "a maxLength larger than x-maxBytes",
      (copy: Node): void => {
        copy.components.schemas.CreateTopicRequest.properties.TopicName.maxLength = 31;
      },
    ],
    [
      "rule/media-type-has-examples",
      "a request body without examples",
      (copy: Node): void => {
        delete createTopic(copy).requestBody.content["application/json"].examples;
      },
    ],
    [
      "tim/enum-metadata-aligned",
      "an x-retryable array one entry short",
      (copy: Node): void => {
        copy.components.schemas.PublicErrorCode["x-retryable"].pop();
      },
    ],
    [
      "tim/operation-metadata",
      "an operation without x-idempotency",
      (copy: Node): void => {
        delete createTopic(copy)["x-idempotency"];
      },
    ],
    [
      "tim/operation-metadata",
      "a duplicate-ID code that is not one of the operation's codes",
      (copy: Node): void => {
        createTopic(copy)["x-duplicate-id-codes"] = [12345];
      },
    ],
    [
      "tim/operation-metadata",
      "x-items naming a response property that does not exist",
      (copy: Node): void => {
        const get = copy.paths["/v4/million_group_open_http_svc/get_topic"].post;
        get["x-items"] = { ...get["x-items"], array: "NoSuchList" };
      },
    ],
    [
      "tim/operation-metadata",
      "a misspelt operation extension",
      (copy: Node): void => {
        createTopic(copy)["x-idempotancy"] = "safe";
      },
    ],
  ] as const)("%s fails on %s", async (rule, _mutation, mutate) => {
    const { code, output } = await lintMutated(mutate);
    expect(output).toContain(`generated by the ${rule} rule`);
    expect(code).not.toBe(0);
  });
});

describe("e. generated/", () => {
  it("is up to date with the spec (scripts/generate.mjs --check)", async () => {
    const { code, output } = await runNode([path.join(root, "scripts/generate.mjs"), "--check"]);
    expect(output).toContain("up to date");
    expect(code).toBe(0);
  });
});
