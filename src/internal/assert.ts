/** @module assert — the option checks shared by every gate (createClient, per-call options, genUserSig, verifyUserSig). */
import { TimConfigError } from "../errors.js";

/** Throws a `TimConfigError` for `option` unless `condition` holds. The message never quotes the value (it may be a secret). */
export function assertOption(condition: unknown, option: string, message: string): asserts condition {
  if (!condition) throw new TimConfigError(option, `\`${option}\` ${message}`);
}

/** Throws a `TimConfigError` naming `option` unless `value` is a safe integer in [`minimum`, `maximum`] (`undefined` passes when `optional`). */
export function assertInteger(value: unknown, option: string, minimum: number, optional?: boolean, maximum = Number.MAX_SAFE_INTEGER): void {
  if (optional && value === undefined) return;
  assertOption(
    Number.isSafeInteger(value) && (value as number) >= minimum && (value as number) <= maximum,
    option,
    maximum === Number.MAX_SAFE_INTEGER ? `must be an integer ≥ ${minimum}` : `must be an integer from ${minimum} to ${maximum}`,
  );
}
