/**
 * @module client — `createClient`: one method per operation of the spec, each a signed, validated, retried call over
 * openapi-fetch. openapi-fetch builds every request (URL, query string, headers, body); the attempt loop is the
 * `fetch` it calls, and the answer comes back as the loop's outcome (call/invoke.ts), not as openapi-fetch's `data`.
 */
import createFetchClient from "openapi-fetch";
import { operationIds } from "../generated/operations.js";
import type { paths } from "../generated/schema.js";
import { createInvoker } from "./call/invoke.js";
import { createCredentials } from "./credentials.js";
import type { OperationId, TimClient } from "./operations.js";
import { operationTable } from "./operations.js";
import { resolveOptions, type ClientOptions } from "./options.js";
import { createWindowLimiter, type Limiter } from "./rate-limit.js";
import type { TransportSettings } from "./transport/send.js";

/**
 * What openapi-fetch builds for each call (its documented `Request` option): just the URL, method, headers and the
 * serialised body that the attempt loop reads. A real `Request` would wrap the body in a stream only for the loop to
 * read it back and hand it to `fetch`, which builds its own: measurable per call (bench/BENCHMARKS.md).
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
  const rate = resolved.ratePerSecond;
  const limiters = new Map<OperationId, Limiter>();
  const transport: TransportSettings = {
    fetch: resolved.fetch,
    secrets: resolved.secretKey ? [resolved.secretKey] : [],
    backupOrigin: resolved.backupOrigin,
    maxResponseBytes: resolved.maxResponseBytes,
    resign: credentials.canRefresh ? (refused) => credentials.refresh(refused) : undefined,
    reserve:
      rate === undefined
        ? undefined
        : (operation) => {
            let limiter = limiters.get(operation);
            if (!limiter) limiters.set(operation, (limiter = createWindowLimiter(rate === "spec" ? operationTable[operation].rateLimitPerSecond : rate)));
            return limiter.reserve();
          },
    onRequest: resolved.onRequest,
    onResponse: resolved.onResponse,
    onRetry: resolved.onRetry,
  };
  const invoke = createInvoker({ resolved, credentials, api, transport });
  return Object.freeze(
    Object.fromEntries(operationIds.map((operation) => [operation, (body: unknown, callOptions?: unknown) => invoke(operation, body, callOptions as never)])),
  ) as unknown as TimClient;
}
