/**
 * @module bench/lib/spec — the example bodies the benchmarks send and the loopback server answers with, read from
 * openapi/openapi.yaml so they cannot drift from the spec.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const specPath = new URL("../../openapi/openapi.yaml", import.meta.url);
const CREATE = "/v4/million_group_open_http_svc/create_topic";
const GET = "/v4/million_group_open_http_svc/get_topic";

type Json = Record<string, unknown>;
interface Examples {
  [name: string]: { value: Json };
}
interface Operation {
  requestBody: { content: { "application/json": { examples: Examples } } };
  responses: { "200": { content: { "application/json": { examples: Examples } } } };
}

function example(examples: Examples, name: string, where: string): Json {
  const found = examples[name];
  if (!found) throw new Error(`openapi.yaml: no example "${name}" in ${where}`);
  return found.value;
}

export interface SpecExamples {
  /** create_topic request `allInOne` (ALL IN ONE — every field). */
  createAllInOne: Json;
  /** create_topic response `customTopicId` (the answer to a custom-ID / ALL IN ONE create). */
  createAnswer: Json;
  /** get_topic request `basic`. */
  getBasic: Json;
  /** get_topic response `basic`. */
  getAnswer: Json;
}

export function readSpecExamples(): SpecExamples {
  const spec = parse(readFileSync(specPath, "utf8")) as { paths: Record<string, { post: Operation }> };
  const create = spec.paths[CREATE]?.post;
  const get = spec.paths[GET]?.post;
  if (!create || !get) throw new Error("openapi.yaml: create_topic/get_topic not found");
  return {
    createAllInOne: example(create.requestBody.content["application/json"].examples, "allInOne", "create_topic request"),
    createAnswer: example(create.responses["200"].content["application/json"].examples, "customTopicId", "create_topic 200"),
    getBasic: example(get.requestBody.content["application/json"].examples, "basic", "get_topic request"),
    getAnswer: example(get.responses["200"].content["application/json"].examples, "basic", "get_topic 200"),
  };
}
