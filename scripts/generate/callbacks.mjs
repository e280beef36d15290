/** @module generate/callbacks — the callback table: command → handler name, kind, body schema and its rules. */
import { listCallbacks } from "../lib/callbacks.mjs";
import { HEADER, literal } from "./render.mjs";
import { objectRule } from "./rules.mjs";

export function callbackTable(spec) {
  const { entries, problems } = listCallbacks(spec);
  if (problems.length) throw new Error(`x-webhooks is inconsistent (npm run lint shows where):\n  ${problems.map((p) => p.message).join("\n  ")}`);
  return Object.fromEntries(
    entries.map((e) => [e.command, { handler: e.handler, kind: e.kind, body: e.body.name, rules: objectRule(spec, e.body.schema, e.command) }]),
  );
}

/** The app's own refusal codes (`CallbackRejectionCode`): the range IM passes to the creator. */
export function rejectionCodes(spec) {
  const schema = spec.components?.schemas?.CallbackRejectionCode;
  if (!Number.isInteger(schema?.minimum) || !Number.isInteger(schema?.maximum)) throw new Error("CallbackRejectionCode needs an integer minimum and maximum");
  return { minimum: schema.minimum, maximum: schema.maximum };
}

export function renderCallbacks(table, rejection) {
  return `${HEADER}
/**
 * The topic callbacks IM POSTs to the app (the spec's \`x-webhooks\`), by command word: the handler that answers it,
 * whether IM waits for the verdict (\`before\`) or ignores the answer (\`after\`), its body schema and the rules
 * src/validate.ts checks the body with.
 */
export const callbacks = ${literal(table)} as const;

/** The codes a before-create callback may refuse with, passed to the creator with its ErrorInfo (\`CallbackRejectionCode\`). */
export const rejectionCodes = ${JSON.stringify(rejection)} as const;

export type CallbackCommand = keyof typeof callbacks;
`;
}
