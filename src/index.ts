/**
 * @module tim-topics — the public API. Everything importable is exported here; `src/internal/` is private.
 * Not exported on purpose: the attempt loop and retry policy (implementation details behind `createClient`'s options).
 */
export { createClient } from "./client.js";
export type {
  CallMeta,
  CallOptions,
  ItemFailure,
  ItemOutcome,
  ItemSuccess,
  OperationId,
  OperationMethod,
  RequestOf,
  ResponseOf,
  ResultOf,
  SelfInfo,
  TimClient,
  TopicInfo,
} from "./operations.js";
export { operationIds } from "../generated/operations.js";
export type { ClientOptions } from "./options.js";
export type { CallErrorEvent, ErrorEvent, Hooks, RequestEvent, ResponseEvent, RetryEvent } from "./hooks.js";
export { genUserSig, verifyUserSig } from "./usersig.js";
export type { GenUserSigOptions, VerifyUserSigOptions, VerifyUserSigResult } from "./usersig.js";
export type { UserSigSource } from "./credentials.js";
export {
  isTimError,
  TimAbortError,
  TimApiError,
  TimConfigError,
  TimError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  TimValidationError,
} from "./errors.js";
export type { RetryClass, TimErrorDetails, ValidationIssue } from "./errors.js";
export { redact } from "./redact.js";
export { validateRequest, checkRequest, checkBody } from "./validate.js";
export type { ObjectRule } from "./validate.js";
export { regionHosts, regions } from "../generated/hosts.js";
export type { Region } from "../generated/hosts.js";

// Named shapes of the first two operations, kept for existing code; every operation has them as `RequestOf<"…">` etc.
import type { ItemOutcome, RequestOf, ResponseOf, ResultOf } from "./operations.js";
export type CreateTopicRequest = RequestOf<"createTopic">;
export type CreateTopicResponse = ResponseOf<"createTopic">;
export type CreateTopicResult = ResultOf<"createTopic">;
export type GetTopicRequest = RequestOf<"getTopic">;
export type GetTopicResponse = ResponseOf<"getTopic">;
export type GetTopicResult = ResultOf<"getTopic">;
export type TopicOutcome = ItemOutcome<"getTopic">;
