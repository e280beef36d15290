/** @module errors — one error family for everything the SDK throws, with secrets kept out of every field. */
import type { RetryClass } from "../generated/error-codes.js";
import type { OperationId } from "../generated/request-rules.js";

export type { RetryClass, OperationId };

/** What every SDK error may carry about the call that failed. */
export interface TimErrorDetails {
  operation?: OperationId;
  /** Attempts made (1 = no retry). */
  attempts?: number;
  /** Milliseconds from the start of the call to the error. */
  durationMs?: number;
  /** The request URL with `usersig` redacted. */
  url?: string;
  /** The `random` query value of the call: the same on every attempt, so it identifies the call in IM's logs. */
  random?: number;
  cause?: unknown;
}

/**
 * Base class of every error the SDK throws, so one `instanceof TimError` (or `error.name.startsWith("Tim")` across
 * realms) catches them all. Client-side validation errors belong here too: to a caller, "the SDK refused the call" is
 * one family, and `TimValidationError` says it happened before any request.
 */
export class TimError extends Error {
  override name = "TimError";
  // `declare`: typed fields set by Object.assign below; not emitted as `= undefined` initialisers.
  declare operation?: OperationId;
  declare attempts?: number;
  declare durationMs?: number;
  declare url?: string;
  declare random?: number;

  constructor(message: string, details: TimErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const { cause: _cause, ...rest } = details;
    Object.assign(this, rest);
  }

  /** Plain data for logs: no stack, no cause, no secrets. */
  toJSON(): Record<string, unknown> {
    const { stack: _stack, cause: _cause, ...fields } = this as Record<string, unknown>;
    return { ...fields, name: this.name, message: this.message };
  }
}

/** Said in the message of every error after which IM may have acted on the request (its `mayHaveBeenApplied`). */
const MAY_HAVE_BEEN_APPLIED = "; the request may have been applied";

/** IM answered with a non-zero `ErrorCode` (HTTP 200, business error). */
export class TimApiError extends TimError {
  override name = "TimApiError";
  /** IM's `ErrorCode`. */
  code: number;
  /** IM's `ErrorInfo`, as sent. */
  info: string;
  /** What the SDK does with this code (from the spec's `x-retryable`); `never` for codes the spec does not know. */
  retry: RetryClass;
  /** The spec's name for the code (`x-enum-varnames`), when documented for this operation. */
  codeName?: string;
  /** The spec's meaning of the code for this operation, as the docs state it (zh) and in English. */
  meaning?: { zh: string; en: string };
  /** True for `transient` codes (IM's backend failed or timed out, and may have acted); false for refusals. */
  mayHaveBeenApplied: boolean;

  constructor(
    fields: { code: number; info: string; retry: RetryClass; codeName?: string; meaning?: { zh: string; en: string } },
    details: TimErrorDetails,
  ) {
    const explained = fields.meaning ? ` — ${fields.meaning.en}` : "";
    const applied = fields.retry === "transient";
    super(`${details.operation} failed: ErrorCode ${fields.code} (${fields.info || "no ErrorInfo"})${explained}${applied ? MAY_HAVE_BEEN_APPLIED : ""}`, details);
    this.mayHaveBeenApplied = applied;
    this.code = fields.code;
    this.info = fields.info;
    this.retry = fields.retry;
    this.codeName = fields.codeName;
    this.meaning = fields.meaning;
  }
}

/** The input was refused before any request was sent. */
export class TimValidationError extends TimError {
  override name = "TimValidationError";
  /** The field path, e.g. `TopicName` or `TopicIdList[2]`. */
  field: string;
  /** The rule that failed: required, type, minLength, maxLength, maxBytes, loneSurrogate, pattern, enum, unknownField, topicIdPrefix, topicIdForbidden. */
  rule: string;
  /** The limit of the rule, where it has one (bytes, characters, or the pattern/allowed values). */
  limit?: number | string;
  /** The size of the value that broke the rule (same unit as `limit`). */
  actual?: number;

  constructor(
    message: string,
    fields: { operation: OperationId; field: string; rule: string; limit?: number | string; actual?: number },
  ) {
    super(`${fields.operation}: ${message}`, { operation: fields.operation });
    this.field = fields.field;
    this.rule = fields.rule;
    this.limit = fields.limit;
    this.actual = fields.actual;
  }
}

/** The server answered with an HTTP status other than 200 (IM does so only for network-level failures, e.g. 502). */
export class TimHttpError extends TimError {
  override name = "TimHttpError";
  status: number;
  /** The first 200 characters of the body (secrets redacted), for diagnosis. */
  bodySnippet: string;
  /** False for 429 and other 4xx (refused); true for 408 and 5xx, after which IM may have acted. */
  mayHaveBeenApplied: boolean;
  constructor(status: number, bodySnippet: string, mayHaveBeenApplied: boolean, details: TimErrorDetails) {
    super(`${details.operation} failed: HTTP ${status}${mayHaveBeenApplied ? MAY_HAVE_BEEN_APPLIED : ""}`, details);
    this.status = status;
    this.bodySnippet = bodySnippet;
    this.mayHaveBeenApplied = mayHaveBeenApplied;
  }
}

/** HTTP 200 whose body is not an IM JSON result (truncated, HTML, or not JSON at all): IM may have acted on it. */
export class TimResponseError extends TimError {
  override name = "TimResponseError";
  bodySnippet: string;
  readonly mayHaveBeenApplied = true;
  constructor(bodySnippet: string, details: TimErrorDetails) {
    super(`${details.operation} failed: the response body is not an IM JSON result${MAY_HAVE_BEEN_APPLIED}`, details);
    this.bodySnippet = bodySnippet;
  }
}

/**
 * The request could not be completed on the network. `mayHaveBeenApplied` is false only when the connection provably
 * never carried the request (DNS or connect failure); otherwise IM may have acted on it.
 */
export class TimNetworkError extends TimError {
  override name = "TimNetworkError";
  mayHaveBeenApplied: boolean;
  constructor(message: string, mayHaveBeenApplied: boolean, details: TimErrorDetails) {
    super(message, details);
    this.mayHaveBeenApplied = mayHaveBeenApplied;
  }
}

/** An attempt outlived `timeoutMs`, or the call outlived `deadlineMs`. The request may have been applied. */
export class TimTimeoutError extends TimError {
  override name = "TimTimeoutError";
  readonly mayHaveBeenApplied = true;
  /** Which budget ran out. */
  kind: "attempt" | "deadline";
  constructor(kind: "attempt" | "deadline", limitMs: number, details: TimErrorDetails) {
    super(`${details.operation} timed out: ${kind === "attempt" ? "timeoutMs" : "deadlineMs"} ${limitMs} ms elapsed${MAY_HAVE_BEEN_APPLIED}`, details);
    this.kind = kind;
  }
}

/** The caller's `AbortSignal` fired. */
export class TimAbortError extends TimError {
  override name = "TimAbortError";
}

/**
 * Options are invalid or unsafe (a secret key in browser code), or the runtime cannot serve them (no WebCrypto): from
 * `createClient`, `genUserSig`, `verifyUserSig`, or a `userSig` function that returns no signature.
 */
export class TimConfigError extends TimError {
  override name = "TimConfigError";
  /** The option at fault. */
  option: string;
  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

/** Throws a `TimConfigError` for `option` unless `condition` holds. The message never quotes the value (it may be a secret). */
export function assertOption(condition: unknown, option: string, message: string): asserts condition {
  if (!condition) throw new TimConfigError(option, `\`${option}\` ${message}`);
}

/** Throws a `TimConfigError` naming `option` unless `value` is a safe integer ≥ `minimum` (`undefined` passes when `optional`). */
export function assertInteger(value: unknown, option: string, minimum: number, optional?: boolean): void {
  if (optional && value === undefined) return;
  assertOption(Number.isSafeInteger(value) && (value as number) >= minimum, option, `must be an integer ≥ ${minimum}`);
}

/** Replaces the value of `usersig` (and any given secret) in a URL or text, so it can be logged. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([?&]usersig=)[^&#\s]*/gi, "$1[REDACTED]");
  for (const secret of secrets) if (secret) out = out.split(secret).join("[REDACTED]");
  return out;
}
