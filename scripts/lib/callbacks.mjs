/**
 * @module callbacks — the spec's `x-webhooks` (the callbacks IM POSTs to the app), read and checked in one place for
 * the generator and the lint rule: each is keyed by its command word, has a camelCase `operationId` (the app's
 * handler name), `x-callback-kind: before | after`, and a JSON body whose `CallbackCommand` enum is its key.
 */
import { deref } from "./spec.mjs";

/** `[{ command, handler, kind, operation, pointer, body: { schema, name, examples } }]` and the problems found. */
export function listCallbacks(spec) {
  const entries = [];
  const problems = [];
  for (const [command, item] of Object.entries(spec["x-webhooks"] ?? {})) {
    const operation = item?.post;
    const pointer = ["x-webhooks", command, "post"];
    const problem = (at, message) => problems.push({ at: [...pointer, ...at], message: `${command}: ${message}` });
    if (!operation) {
      problem([], "needs a `post`");
      continue;
    }
    const handler = operation.operationId;
    if (typeof handler !== "string" || !/^[a-z][A-Za-z0-9]*$/.test(handler)) problem(["operationId"], "needs a camelCase operationId (the handler name)");
    const kind = operation["x-callback-kind"];
    if (kind !== "before" && kind !== "after") problem(["x-callback-kind"], "`x-callback-kind` must be before or after");
    const media = operation.requestBody?.content?.["application/json"];
    const ref = media?.schema?.$ref;
    const schema = media?.schema && deref(spec, media.schema);
    const commandEnum = schema && deref(spec, schema.properties?.CallbackCommand ?? {}).enum;
    if (!schema || !Array.isArray(commandEnum) || commandEnum.length !== 1 || commandEnum[0] !== command) {
      problem(["requestBody"], "the JSON body schema must have `CallbackCommand` with the single enum value of its key");
    }
    if (!media?.examples || Object.keys(media.examples).length === 0) problem(["requestBody"], "the body needs named examples");
    entries.push({
      command,
      handler,
      kind,
      operation,
      pointer,
      body: { schema, name: typeof ref === "string" ? ref.split("/").pop() : undefined, examples: Object.fromEntries(Object.entries(media?.examples ?? {}).map(([n, e]) => [n, deref(spec, e).value])) },
    });
  }
  return { entries, problems };
}
