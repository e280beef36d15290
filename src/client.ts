/** @module client — `createClient`: signed, validated, retried calls of create_topic and get_topic over openapi-fetch. */
import createFetchClient from "openapi-fetch";
import type { components, paths } from "../generated/schema.js";
import { requestRules, type OperationId } from "../generated/request-rules.js";
import { createCredentials } from "./credentials.js";
import { TimAbortError, TimApiError, TimError } from "./errors.js";
import { resolveOptions, type ClientOptions } from "./options.js";
import { createWindowLimiter } from "./rate-limit.js";
import { apiError, sendWithRetries, withinCall, type CallState, type TransportSettings } from "./transport.js";
import { validateRequest } from "./validate.js";

type Schemas = components["schemas"];
export type CreateTopicRequest = Schemas["CreateTopicRequest"];
export type GetTopicRequest = Schemas["GetTopicRequest"];
export type CreateTopicResponse = Schemas["CreateTopicResponse"];
export type GetTopicResponse = Schemas["GetTopicResponse"];
export type TopicInfo = Schemas["TopicInfo"];
export type SelfInfo = Schemas["SelfInfo"];

/** Per-call options; they override the client's for this call. */
export interface CallOptions {
  /** Cancels the call at once, including during backoff; the call then rejects with `TimAbortError`. */
  signal?: AbortSignal;
  timeoutMs?: number;
  deadlineMs?: number;
  maxRetries?: number;
  /** Extra request headers (e.g. `Prefer: example=error10010` for a Prism mock). */
  headers?: Record<string, string>;
}

/** How a call went. */
export interface CallMeta {
  operation: OperationId;
  /** Attempts made, 1 when nothing was retried. */
  attempts: number;
  durationMs: number;
  /** The `random` query value, the same on every attempt of the call. */
  random: number;
  /** The URL of the last attempt, usersig redacted. */
  url: string;
  /** Set when a retried create answered "ID already used" and the topic was read back instead. */
  readBack?: true;
}

export interface CreateTopicResult {
  /** The new topic's ID: the custom one you gave, or the one IM assigned. */
  TopicId: string;
  /** The IM response body as received. */
  response: CreateTopicResponse;
  meta: CallMeta;
}

/** One topic of a get_topic answer: either read, or failed on its own (IM reports per-topic results). */
export type TopicOutcome =
  | { ok: true; TopicId: string; TopicInfo: TopicInfo; SelfInfo?: SelfInfo }
  | { ok: false; TopicId?: string; error: TimApiError };

export interface GetTopicResult {
  /** Every topic in IM's order; check `ok` on each. */
  topics: TopicOutcome[];
  response: GetTopicResponse;
  meta: CallMeta;
}

export interface TimClient {
  /** Creates a topic in a Community group (create_topic). */
  createTopic(body: CreateTopicRequest, options?: CallOptions): Promise<CreateTopicResult>;
  /** Reads topics of a Community group with one member's view of each (get_topic). */
  getTopic(body: GetTopicRequest, options?: CallOptions): Promise<GetTopicResult>;
}

/** uint32s from the platform CSPRNG for IM's `random` query parameter, drawn 256 at a time (one call each is ~100× dearer). */
const randomPool = new Uint32Array(256);
let randomLeft = 0;
function randomUint32(): number {
  if (randomLeft === 0) {
    crypto.getRandomValues(randomPool);
    randomLeft = randomPool.length;
  }
  return randomPool[--randomLeft]!;
}

/**
 * What openapi-fetch builds for each call (its documented `Request` option): just the URL, method, headers and the
 * serialised body that the retry loop reads. A real `Request` would wrap the body in a stream only for the loop to read
 * it back and hand it to `fetch`, which builds its own: measurable per call (bench/BENCHMARKS.md).
 */
class PlainRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null | undefined;
  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = init.method ?? "GET";
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.body = init.body;
  }
  text(): Promise<string> {
    return Promise.resolve(typeof this.body === "string" ? this.body : "");
  }
}

export function createClient(options: ClientOptions): TimClient {
  const resolved = resolveOptions(options);
  const credentials = createCredentials(resolved);
  const api = createFetchClient<paths>({
    baseUrl: resolved.origin,
    Request: PlainRequest as unknown as typeof Request,
    // IM's query is five scalars: serialise them directly rather than through the generic serializer built per call.
    querySerializer: (query) =>
      Object.keys(query)
        .map((key) => `${key}=${encodeURIComponent(String(query[key]))}`)
        .join("&"),
  });
  const limiters = new Map<OperationId, (signal?: AbortSignal) => Promise<void>>();
  const rate = resolved.ratePerSecond;
  const settings: TransportSettings = {
    fetch: resolved.fetch,
    secrets: resolved.secretKey ? [resolved.secretKey] : [],
    backupOrigin: resolved.backupOrigin,
    resign: credentials.canRefresh ? () => credentials.refresh() : undefined,
    acquire:
      rate === undefined
        ? undefined
        : (operation, signal) => {
            let limiter = limiters.get(operation);
            if (!limiter) limiters.set(operation, (limiter = createWindowLimiter(rate === "spec" ? requestRules[operation].rateLimitPerSecond : rate)));
            return limiter(signal);
          },
    onRequest: resolved.onRequest,
    onResponse: resolved.onResponse,
    onRetry: resolved.onRetry,
  };

  /** The per-call state the retry loop works on; created before sending so a caller can read it after a failure. */
  function newState(operation: OperationId, idempotent: boolean, options: CallOptions): CallState {
    return {
      operation,
      idempotent,
      maxRetries: options.maxRetries ?? resolved.maxRetries,
      timeoutMs: options.timeoutMs ?? resolved.timeoutMs,
      deadlineMs: options.deadlineMs ?? resolved.deadlineMs,
      signal: options.signal,
      random: randomUint32(),
      started: Date.now(),
      attempts: 0,
      url: "", // replaced by a redacting getter when the call is sent
    };
  }

  const metaOf = (state: CallState): CallMeta => ({
    operation: state.operation,
    attempts: state.attempts,
    durationMs: Date.now() - state.started,
    random: state.random,
    // Redacted on first read only: most callers never look.
    get url() {
      return state.url;
    },
  });

  /** Runs one public call and reports its final error to `onError`, once, whichever stage it came from. */
  async function reported<T>(state: CallState, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TimError) {
        resolved.onError?.({ operation: state.operation, attempts: state.attempts, durationMs: Date.now() - state.started, url: state.url, error });
      }
      throw error;
    }
  }

  /** Validates, signs and sends one call; resolves IM's successful body. */
  async function call(state: CallState, body: object, options: CallOptions = {}) {
    if (resolved.validate) validateRequest(state.operation, body);
    const query = {
      sdkappid: resolved.sdkAppId,
      identifier: resolved.identifier,
      // A slow userSig function must not outlive the caller's signal or deadline.
      usersig: await withinCall(credentials.current(), state),
      random: state.random,
      contenttype: "json" as const,
    };
    // openapi-fetch builds and serialises the request; the retry loop is its `fetch`, so it sees one logical call.
    await api.POST(requestRules[state.operation].path, {
      params: { query },
      body: body as never,
      headers: options.headers,
      parseAs: "stream",
      fetch: (request: Request) => sendWithRetries(request, settings, state),
    });
    return { body: state.body!, meta: metaOf(state) };
  }

  async function createTopic(body: CreateTopicRequest, options: CallOptions): Promise<CreateTopicResult> {
    const customId = typeof body?.TopicId === "string";
    const state = newState("createTopic", customId, options);
    return reported(state, async () => {
      try {
        const { body: response, meta } = await call(state, body, options);
        return { TopicId: String(response.TopicId ?? body.TopicId), response: response as CreateTopicResponse, meta };
      } catch (error) {
        // "ID already used" after an earlier attempt that IM may have applied (its answer lost) most likely means that
        // attempt created the topic: read it back and return it. After attempts that provably applied nothing, the ID
        // belongs to another topic, and the conflict stands; so it does when the read-back cannot confirm the topic.
        if (
          customId &&
          state.mayHaveBeenApplied &&
          error instanceof TimApiError &&
          (requestRules.createTopic.duplicateIdCodes as readonly number[]).includes(error.code)
        ) {
          const elapsed = Date.now() - state.started;
          const deadlineMs = state.deadlineMs === undefined ? undefined : Math.max(1, state.deadlineMs - elapsed);
          const read = await getTopic(
            { GroupId: body.GroupId, From_Account: body.From_Account ?? resolved.identifier, TopicIdList: [body.TopicId!] },
            { ...options, deadlineMs },
          ).catch((readError: unknown) => {
            if (readError instanceof TimAbortError) throw readError; // the caller gave up: say so
            return undefined; // otherwise the conflict is the better answer
          });
          const found = read?.topics.find((t) => t.ok && t.TopicId === body.TopicId && t.TopicInfo.TopicName === body.TopicName);
          if (read && found) {
            return {
              TopicId: body.TopicId!,
              response: { ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", TopicId: body.TopicId },
              meta: { ...metaOf(state), attempts: state.attempts + read.meta.attempts, readBack: true },
            };
          }
        }
        throw error;
      }
    });
  }

  async function getTopic(body: GetTopicRequest, options: CallOptions, state = newState("getTopic", true, options)): Promise<GetTopicResult> {
    const { body: response, meta } = await call(state, body, options);
    const items = (response.TopicAndSelfInfo ?? []) as Schemas["TopicAndSelfInfo"][];
    const topics = await Promise.all(
      items.map(async (item): Promise<TopicOutcome> => {
        const topicId = item.TopicInfo?.TopicId;
        if (item.ErrorCode === 0) {
          return { ok: true, TopicId: String(topicId), TopicInfo: item.TopicInfo ?? {}, SelfInfo: item.SelfInfo };
        }
        // Per-topic ErrorInfo is IM's text too: redacted like the call's own, since it may echo the request.
        const info = state.scrub!(String(item.ErrorInfo ?? ""));
        const error = await apiError("getTopic", Number(item.ErrorCode), info, { attempts: meta.attempts, random: meta.random, url: meta.url });
        return { ok: false, TopicId: topicId, error };
      }),
    );
    return { topics, response: response as GetTopicResponse, meta };
  }

  return {
    createTopic: (body, options = {}) => createTopic(body, options),
    getTopic: (body, options = {}) => {
      const state = newState("getTopic", true, options);
      return reported(state, () => getTopic(body, options, state));
    },
  };
}
