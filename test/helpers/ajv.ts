/**
 * Ajv 8 over the whole spec: schemas are compiled by JSON pointer into the document, so `$ref`s resolve as in it.
 * `strict: false` makes Ajv ignore OAS-only keywords (`example`, `x-*`) instead of refusing them.
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { OperationId } from "../../generated/operations.js";
import { pointer } from "../../scripts/lib/spec.mjs";
import { entryOf, spec } from "./fixtures.js";

const SPEC_ID = "openapi.json";
const ajv = new Ajv({ strict: false, allErrors: true });
addFormatsModule.default(ajv);
ajv.addSchema(spec, SPEC_ID);

const validators = new Map<string, ValidateFunction>();
/** The validator of the schema at `schemaPointer` (a JSON pointer into the spec). */
export function validatorAt(schemaPointer: string): ValidateFunction {
  let validate = validators.get(schemaPointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SPEC_ID}#${schemaPointer}` });
    validators.set(schemaPointer, validate);
  }
  return validate;
}

/** Ajv's complaints about `value` against the schema at `schemaPointer`; empty when it is valid. */
export function errorsOf(schemaPointer: string, value: unknown): string[] {
  const validate = validatorAt(schemaPointer);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** What is wrong with `body` as an answer (200, JSON) of `operation`, by the spec's response schema. */
export function responseErrors(operation: OperationId, body: unknown): string[] {
  return errorsOf(`${pointer(entryOf(operation).response!.pointer)}/schema`, body);
}
