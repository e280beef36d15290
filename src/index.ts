/**
 * @module tim-topics — the public API. Everything importable is exported here; `src/internal/` is private.
 * Not exported on purpose: the transport loop and retry policy (implementation details behind `createClient`'s options).
 */
export { createClient } from "./client.js";
export type {
  CallMeta,
  CallOptions,
  CreateTopicRequest,
  CreateTopicResponse,
  CreateTopicResult,
  GetTopicRequest,
  GetTopicResponse,
  GetTopicResult,
  SelfInfo,
  TimClient,
  TopicInfo,
  TopicOutcome,
} from "./client.js";
export type { ClientOptions } from "./options.js";
export type { ErrorEvent, Hooks, RequestEvent, ResponseEvent, RetryEvent } from "./transport.js";
export { genUserSig, verifyUserSig } from "./usersig.js";
export type { GenUserSigOptions, VerifyUserSigOptions, VerifyUserSigResult } from "./usersig.js";
export type { UserSigSource } from "./credentials.js";
export {
  TimAbortError,
  TimApiError,
  TimConfigError,
  TimError,
  TimHttpError,
  TimNetworkError,
  TimResponseError,
  TimTimeoutError,
  TimValidationError,
  redact,
} from "./errors.js";
export type { RetryClass, TimErrorDetails } from "./errors.js";
export { validateRequest } from "./validate.js";
export { regionHosts, regions } from "../generated/hosts.js";
export type { Region } from "../generated/hosts.js";
export type { OperationId } from "../generated/request-rules.js";
