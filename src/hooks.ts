/** @module hooks — what the client reports as a call goes: one event object per hook, every URL redacted. */
import type { OperationId } from "../generated/operations.js";
import type { TimError } from "./errors.js";

export interface RequestEvent {
  operation: OperationId;
  attempt: number;
  url: string;
}
export interface ResponseEvent extends RequestEvent {
  status: number;
  code?: number;
  durationMs: number;
}
export interface RetryEvent extends RequestEvent {
  delayMs: number;
  error: TimError;
  resign: boolean;
  failover: boolean;
}
/** A call's final error, whatever stage it came from (options, validation, the UserSig, the network, the answer). */
export interface CallErrorEvent {
  operation: OperationId;
  /** Attempts sent (0 when the call failed before sending). */
  attempts: number;
  durationMs: number;
  /** The redacted URL of the last attempt, or the endpoint (no query) when nothing was sent. */
  url: string;
  error: TimError;
}
/** @deprecated Use `CallErrorEvent` (this name shadows the DOM's `ErrorEvent`). */
export type ErrorEvent = CallErrorEvent;

export interface Hooks {
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  /** Once per failed call, with its final error. */
  onError?: (event: CallErrorEvent) => void;
}
