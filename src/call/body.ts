/** @module body — a call's body, serialised once: what is validated is exactly what is sent. */
import { requestRules } from "../../generated/request-rules.js";
import type { OperationId } from "../../generated/operations.js";
import { TimValidationError } from "../errors.js";
import { checkBody } from "../validate.js";

export interface SerialisedBody {
  /** The bytes to send. */
  readonly text: string;
  /** Their parse: what IM will read (a `toJSON`, a getter or an `undefined` field already applied). */
  readonly sent: Record<string, unknown>;
}

const refuse = (operation: OperationId, rule: string, message: string) => new TimValidationError(operation, [{ field: "(body)", rule, message }]);

/**
 * Serialises `body` to JSON once and, with `validate`, checks the parse of those bytes against the spec's rules, so
 * a `toJSON` or a prototype getter cannot send something other than what was checked. A body JSON cannot carry
 * (circular, a BigInt, too deeply nested) is a `TimValidationError` either way.
 */
export function serialiseBody(operation: OperationId, body: unknown, validate: boolean): SerialisedBody {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw refuse(operation, "serializable", `the body cannot be sent as JSON (${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? error})`);
  }
  if (text === undefined) throw refuse(operation, "type", "the body must be an object");
  const sent = JSON.parse(text) as unknown;
  if (validate) {
    const issues = checkBody(requestRules[operation], sent);
    if (issues.length) throw new TimValidationError(operation, issues);
  } else if (typeof sent !== "object" || sent === null || Array.isArray(sent)) {
    throw refuse(operation, "type", "the body must be an object");
  }
  return { text, sent: sent as Record<string, unknown> };
}
