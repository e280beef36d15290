/**
 * @module generate/callbacks — the callback table (command → handler name, kind, body schema and its rules) and the
 * query parameters IM appends to every callback.
 */
import { listCallbacks } from "../lib/callbacks.mjs";
import { deref } from "../lib/spec.mjs";
import { HEADER, literal } from "./render.mjs";
import { objectRule } from "./rules.mjs";

/** `{ commands, query }`: each callback by command word, and the query parameters they all carry. */
export function callbackTable(spec) {
  const { entries, problems } = listCallbacks(spec);
  if (problems.length) throw new Error(`x-webhooks is inconsistent (npm run lint shows where):\n  ${problems.map((p) => p.message).join("\n  ")}`);
  return {
    commands: Object.fromEntries(
      entries.map((e) => [e.command, { handler: e.handler, kind: e.kind, body: e.body.name, rules: objectRule(spec, e.body.schema, e.command) }]),
    ),
    query: callbackQuery(spec, entries),
  };
}

/**
 * The query parameters every callback carries, by wire name: whether IM always sends it and the pattern its value
 * must match. One set for all callbacks: the handler checks the query before it knows which callback it is.
 */
function callbackQuery(spec, entries) {
  const sets = entries.map((e) => {
    const parameters = (e.operation.parameters ?? []).map((p) => deref(spec, p));
    const outside = parameters.find((p) => p.in !== "query");
    if (outside) throw new Error(`${e.command}: callback parameter ${outside.name} is in ${outside.in}; IM sends only query parameters`);
    return Object.fromEntries(parameters.map((p) => [p.name, { required: p.required === true, ...(p.schema?.pattern ? { pattern: p.schema.pattern } : {}) }]));
  });
  const first = JSON.stringify(sets[0]);
  const odd = entries.find((_, i) => JSON.stringify(sets[i]) !== first);
  if (!sets.length || odd) throw new Error(`every x-webhooks operation must take the same query parameters${odd ? ` (${odd.command} differs)` : ""}`);
  return sets[0];
}

/** The app's own refusal codes (`CallbackRejectionCode`): the range IM passes to the creator. */
export function rejectionCodes(spec) {
  const schema = spec.components?.schemas?.CallbackRejectionCode;
  if (!Number.isInteger(schema?.minimum) || !Number.isInteger(schema?.maximum)) throw new Error("CallbackRejectionCode needs an integer minimum and maximum");
  return { minimum: schema.minimum, maximum: schema.maximum };
}

export function renderCallbacks({ commands, query }, rejection) {
  return `${HEADER}
/**
 * The topic callbacks IM POSTs to the app (the spec's \`x-webhooks\`), by command word: the handler that answers it,
 * whether IM waits for the verdict (\`before\`) or ignores the answer (\`after\`), its body schema and the rules
 * src/validate.ts checks the body with.
 */
export const callbacks = ${literal(commands)} as const;

/** The codes a before-create callback may refuse with, passed to the creator with its ErrorInfo (\`CallbackRejectionCode\`). */
export const rejectionCodes = ${JSON.stringify(rejection)} as const;

export type CallbackCommand = keyof typeof callbacks;

/**
 * The query parameters IM appends to every callback, by wire name (\`SdkAppid\`, not \`SDKAppID\`): whether it always
 * sends it, and the pattern a value must match.
 */
export const callbackQuery = ${literal(query)} as const;

export type CallbackQueryName = keyof typeof callbackQuery;
`;
}
