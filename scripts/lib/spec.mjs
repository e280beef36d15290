/**
 * @module spec — the one reader of openapi/openapi.yaml for scripts, tests and benchmarks: load it, resolve local
 * `$ref`s, list the operations with their bodies and named examples. Everything that walks the spec goes through here,
 * so "what is an operation" has one answer.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const specPath = path.join(root, "openapi/openapi.yaml");

/** The parsed spec (a fresh copy per call, so a caller may mutate it). */
export function loadSpec(file = specPath) {
  return parse(readFileSync(file, "utf8"));
}

/** Resolves a local `#/…` reference chain in `spec`; throws on a dangling one. */
export function deref(spec, node) {
  let current = node;
  const seen = new Set();
  while (current && typeof current.$ref === "string") {
    if (seen.has(current.$ref)) throw new Error(`Circular $ref ${current.$ref}`);
    seen.add(current.$ref);
    const parts = current.$ref.replace(/^#\//, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const next = parts.reduce((acc, key) => acc?.[key], spec);
    if (next === undefined) throw new Error(`Unresolved $ref ${current.$ref}`);
    current = next;
  }
  return current;
}

const JSON_MEDIA = "application/json";

/**
 * The spec's operations in document order:
 * `{ operationId, path, method, operation, pointer, request, response }` where `request`/`response` are
 * `{ pointer, schema, examples }` for the JSON request body and the 200 JSON response (`examples` resolved by name).
 */
export function listOperations(spec) {
  const result = [];
  for (const [opPath, item] of Object.entries(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation || typeof operation !== "object" || !operation.operationId) continue;
      const base = ["paths", opPath, method];
      const media = (segments) => {
        const node = segments.reduce((acc, key) => acc?.[key], operation);
        if (!node) return undefined;
        const examples = Object.fromEntries(Object.entries(node.examples ?? {}).map(([name, e]) => [name, deref(spec, e)]));
        return { pointer: [...base, ...segments], schema: node.schema && deref(spec, node.schema), examples };
      };
      result.push({
        operationId: operation.operationId,
        path: opPath,
        method: method.toUpperCase(),
        operation,
        pointer: base,
        request: media(["requestBody", "content", JSON_MEDIA]),
        response: media(["responses", "200", "content", JSON_MEDIA]),
      });
    }
  }
  return result;
}

/** The named examples' values of one operation's request or response: `{ name: value }`. */
export function exampleValues(entry, kind) {
  return Object.fromEntries(Object.entries(entry[kind]?.examples ?? {}).map(([name, example]) => [name, example.value]));
}

/** A JSON pointer (`/a/b~1c`) for a list of segments. */
export function pointer(segments) {
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}
