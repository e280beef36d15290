/** @module errors — one error family for everything the SDK throws, with secrets kept out of every field. */
import type { OperationId } from "../generated/operations.js";
import { mayHaveBeenApplied, type AttemptFailure, type RetryClass } from "./retry-policy.js";

export type { RetryClass, OperationId };

/** What every SDK error may carry about the call that failed. */
export interface TimErrorDetails {
  operation?: OperationId;
  /** Attempts made (1 = no retry; 0 = nothing was sent). */
  attempts?: number;
  /** Milliseconds from the start of the call to the error. */
  durationMs?: number;
  /** The request URL with `usersig` redacted. */
  url?: string;
  /** The `random` query value of the call: the same on every attempt, so it identifies the call in IM's logs. */
  random?: number;
  cause?: unknown;
  /**
   * An earlier attempt of the call may have been applied (its answer was lost), whatever the last one says: the
   * error then has `mayHaveBeenApplied: true`. Not kept as a field of its own.
   */
  appliedEarlier?: boolean;
}

/**
 * Base class of every error the SDK throws, so one `instanceof TimError` (or `isTimError(e)` across realms) catches
 * them all. Client-side validation errors belong here too: to a caller, "the SDK refused the call" is one family, and
 * `TimValidationError` says it happened before any request.
 */
export class TimError extends Error {
  override name = "TimError";
  // `declare` (here and in the subclasses): typed fields the constructors set, not emitted as `= undefined` initialisers.
  declare operation?: OperationId;
  declare attempts?: number;
  declare durationMs?: number;
  declare url?: string;
  declare random?: number;

  constructor(message: string, details: TimErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const { cause: _cause, appliedEarlier: _appliedEarlier, ...rest } = details;
    Object.assign(this, rest);
  }

  /** Plain data for logs: no stack, no cause, no secrets. */
  toJSON(): Record<string, unknown> {
    const { stack: _stack, cause: _cause, ...fields } = this as Record<string, unknown>;
    return { ...fields, name: this.name, message: this.message };
  }
}

/** Whether `error` is a `TimError`, also one from another copy of the package or another realm (its `name` says so). */
export function isTimError(error: unknown): error is TimError {
  return error instanceof TimError || (error instanceof Error && /^Tim[A-Z]\w*Error$/.test(error.name));
}

/** Said in the message of every error after which IM may have acted on the request (its `mayHaveBeenApplied`). */
const MAY_HAVE_BEEN_APPLIED = "; the request may have been applied";
const applied = (yes: boolean) => (yes ? MAY_HAVE_BEEN_APPLIED : "");
/** Whether IM may have acted: an earlier attempt may have been applied, or this failure does not prove it was not. */
const mayHave = (details: TimErrorDetails, failure: AttemptFailure) => details.appliedEarlier === true || mayHaveBeenApplied(failure);

/** IM answered with a non-zero `ErrorCode` (HTTP 200, business error), for the whole call or for one item of it. */
export class TimApiError extends TimError {
  override name = "TimApiError";
  /** IM's `ErrorCode`. */
  declare code: number;
  /** IM's `ErrorInfo`, as sent (secrets redacted). */
  declare info: string;
  /** What the SDK does with this code (from the spec's `x-retryable`); `never` for codes the spec does not know. */
  declare retry: RetryClass;
  /** The spec's name for the code (`x-enum-varnames`), when documented for this operation. */
  declare codeName?: string;
  /** The spec's meaning of the code for this operation, as the docs state it (zh) and in English. */
  declare meaning?: { zh: string; en: string };
  /** True for `transient` codes (IM's backend failed or timed out, and may have acted); false for refusals. */
  declare mayHaveBeenApplied: boolean;

  constructor(
    fields: {
      code: number;
      info: string;
      retry: RetryClass;
      codeName?: string;
      meaning?: { zh: string; en: string };
    },
    details: TimErrorDetails,
  ) {
    const maybe = mayHave(details, { kind: "api", retry: fields.retry });
    const explained = fields.meaning ? ` — ${fields.meaning.en}` : "";
    super(`${details.operation} failed: ErrorCode ${fields.code} (${fields.info || "no ErrorInfo"})${explained}${applied(maybe)}`, details);
    this.code = fields.code;
    this.info = fields.info;
    this.retry = fields.retry;
    this.codeName = fields.codeName;
    this.meaning = fields.meaning;
    this.mayHaveBeenApplied = maybe;
  }
}

/** One problem of a refused body: the field path, the rule, its limit and what was sent. */
export interface ValidationIssue {
  /** The field path, e.g. `TopicName`, `TopicIdList[2]` or `(body)`. */
  field: string;
  /**
   * The rule that failed: required, type, minLength, maxLength, maxBytes, loneSurrogate, pattern, enum, minimum,
   * maximum, minItems, maxItems, unknownField, topicIdPrefix, topicIdForbidden, serializable.
   */
  rule: string;
  /** The limit of the rule, where it has one (bytes, characters, items, or the pattern/allowed values). */
  limit?: number | string;
  /** The size of the value that broke the rule (same unit as `limit`). */
  actual?: number;
  message: string;
}

/**
 * The input was refused before any request was sent. `issues` lists every problem found (one per field, in the
 * spec's field order); `field`, `rule`, `limit` and `actual` are those of the first.
 */
export class TimValidationError extends TimError {
  override name = "TimValidationError";
  declare field: string;
  declare rule: string;
  declare limit?: number | string;
  declare actual?: number;
  declare issues: ValidationIssue[];

  constructor(operation: OperationId | undefined, issues: ValidationIssue[]) {
    const [first] = issues as [ValidationIssue];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1).map((i) => i.field).join(", ")})` : "";
    super(`${operation ? `${operation}: ` : ""}${first.message}${more}`, { operation });
    this.field = first.field;
    this.rule = first.rule;
    this.limit = first.limit;
    this.actual = first.actual;
    this.issues = issues;
  }
}

/**
 * The server answered with an HTTP status other than 200 (IM does so only for network-level failures, e.g. 502), or
 * with a redirect, which is never followed: IM's API does not redirect, and following one would carry the usersig
 * and the body to whoever sent it.
 */
export class TimHttpError extends TimError {
  override name = "TimHttpError";
  declare status: number;
  /** The first 200 characters of the body (secrets redacted), for diagnosis. */
  declare bodySnippet: string;
  /** For a redirect: the origin it pointed to (never its path or query). */
  declare location?: string;
  /** False for 3xx, 429 and other 4xx (refused); true for 408 and 5xx, after which IM may have acted. */
  declare mayHaveBeenApplied: boolean;
  constructor(status: number, bodySnippet: string, details: TimErrorDetails, location?: string) {
    const maybe = mayHave(details, { kind: "http", status });
    const where = location || "an undisclosed location";
    const redirect =
      location === undefined ? "" : status === 0 || (status >= 300 && status < 400) ? ` (a redirect to ${where}, not followed)` : ` (a redirect the fetch followed to ${where}; refused)`;
    super(`${details.operation} failed: HTTP ${status}${redirect}${applied(maybe)}`, details);
    this.status = status;
    this.bodySnippet = bodySnippet;
    this.location = location;
    this.mayHaveBeenApplied = maybe;
  }
}

/**
 * HTTP 200 whose body is not a usable IM result: not JSON, too large, or a success that lacks what it must carry
 * (a `TopicId`, well-formed per-item results). IM may have acted on the request.
 */
export class TimResponseError extends TimError {
  override name = "TimResponseError";
  /** The first 200 characters of the body (secrets redacted). */
  declare bodySnippet: string;
  readonly mayHaveBeenApplied = true;
  constructor(reason: string, bodySnippet: string, details: TimErrorDetails) {
    super(`${details.operation} failed: ${reason}${MAY_HAVE_BEEN_APPLIED}`, details);
    this.bodySnippet = bodySnippet;
  }
}

/**
 * The request could not be completed on the network. `mayHaveBeenApplied` is false only when the request provably
 * never left (DNS or connect failure, a port fetch refuses); otherwise IM may have acted on it.
 */
export class TimNetworkError extends TimError {
  override name = "TimNetworkError";
  declare mayHaveBeenApplied: boolean;
  constructor(reason: string, connectFailed: boolean, details: TimErrorDetails) {
    const maybe = mayHave(details, { kind: "network", connectFailed });
    super(`${details.operation} failed on the network (${reason})${applied(maybe)}`, details);
    this.mayHaveBeenApplied = maybe;
  }
}

/**
 * A budget ran out: an attempt outlived `timeoutMs`, the call outlived `deadlineMs`, or the `userSig` function did not
 * settle within `timeoutMs`. `mayHaveBeenApplied` is true only when an attempt had been sent.
 */
export class TimTimeoutError extends TimError {
  override name = "TimTimeoutError";
  declare mayHaveBeenApplied: boolean;
  /** Which budget ran out. */
  declare kind: "attempt" | "deadline" | "userSig";
  /** That budget, in ms. */
  declare limitMs: number;
  constructor(kind: "attempt" | "deadline" | "userSig", limitMs: number, details: TimErrorDetails, sent: boolean) {
    const what = kind === "userSig" ? `the \`userSig\` function did not settle within ${limitMs} ms` : `${kind === "attempt" ? "timeoutMs" : "deadlineMs"} ${limitMs} ms elapsed`;
    super(`${details.operation} timed out: ${what}${applied(sent)}`, details);
    this.mayHaveBeenApplied = sent;
    this.kind = kind;
    this.limitMs = limitMs;
  }
}

/** The caller's `AbortSignal` fired. `mayHaveBeenApplied`: an attempt had been sent before (or when) it did. */
export class TimAbortError extends TimError {
  override name = "TimAbortError";
  declare mayHaveBeenApplied: boolean;
  constructor(message: string, details: TimErrorDetails = {}, sent = false) {
    super(`${message}${applied(sent)}`, details);
    this.mayHaveBeenApplied = sent;
  }
}

/**
 * Options are invalid or unsafe (a secret key in browser code), or the runtime cannot serve them (no WebCrypto): from
 * `createClient`, a call's options, `genUserSig`, `verifyUserSig`, or a `userSig` function that fails or returns no
 * signature.
 */
export class TimConfigError extends TimError {
  override name = "TimConfigError";
  /** The option at fault. */
  declare option: string;
  constructor(option: string, message: string, details: TimErrorDetails = {}) {
    super(message, details);
    this.option = option;
  }
}
