/**
 * @module bench/lib/contenders — the five ways of calling create_topic/get_topic that the benchmark compares.
 *
 * Every contender sends the same JSON body to the same loopback origin, reads and parses the JSON answer, and checks
 * `ErrorCode` (IM answers HTTP 200 for business errors, so any real client must). They differ only in what the SDK is
 * meant to add or replace:
 *  - raw fetch:      the floor. The URL (query and UserSig included) is built once; nothing is validated or retried.
 *  - raw fetch + AbortSignal.timeout: the floor of any client with a per-attempt timeout.
 *  - openapi-fetch:  bare `createClient<paths>()`; the query is filled by hand each call (UserSig generated once, a fresh
 *                    `random`), no validation, no retries.
 *  - tim-topics:     this SDK with default options: validation, cached UserSig, a fresh `random`, the retry engine.
 *  - axios + tls-sig-api-v2: what users hand-roll today: `new Api(sdkappid, key).genUserSig(id, 86400)` on every call,
 *                    the URL concatenated by hand, `axios.post`.
 */
import { createRequire } from "node:module";
import axios from "axios";
import createOpenapiClient from "openapi-fetch";
import type { paths } from "../../generated/schema.js";

const require = createRequire(import.meta.url);
/** tls-sig-api-v2 ships no types; this is the part of its API the benchmark uses. */
export interface OfficialSigner {
  genUserSig(userid: string, expire: number): string;
}
export const { Api: OfficialApi } = require("tls-sig-api-v2") as {
  Api: new (sdkappid: number, key: string) => OfficialSigner;
};

export const CREATE_PATH = "/v4/million_group_open_http_svc/create_topic";
export const GET_PATH = "/v4/million_group_open_http_svc/get_topic";

export type Operation = "createTopic" | "getTopic";
export type Body = Record<string, unknown>;

/** The SDK's public API as far as the benchmark uses it. */
export interface SdkClient {
  createTopic(body: Body): Promise<unknown>;
  getTopic(body: Body): Promise<unknown>;
}
export interface SdkModule {
  createClient(options: {
    sdkAppId: number;
    identifier: string;
    secretKey: string;
    baseUrl?: string;
    maxRetries?: number;
  }): SdkClient;
  genUserSig(options: {
    sdkAppId: number;
    secretKey: string;
    identifier: string;
    expireSeconds: number;
    now?: number;
  }): Promise<string>;
}

export interface Credentials {
  sdkAppId: number;
  identifier: string;
  secretKey: string;
}

export interface Contender {
  name: string;
  call(operation: Operation, body: Body): Promise<unknown>;
}

const random = () => (Math.random() * 4294967296) >>> 0;

function checked(data: unknown): unknown {
  const code = (data as { ErrorCode?: unknown } | undefined)?.ErrorCode;
  if (code !== 0) throw new Error(`ErrorCode ${String(code)}`);
  return data;
}

/** Raw `fetch` to a URL built once per operation; with `timeoutMs`, each call bounded by an `AbortSignal.timeout`. */
export function rawFetch(origin: string, creds: Credentials, usersig: string, timeoutMs?: number): Contender {
  const query = `?sdkappid=${creds.sdkAppId}&identifier=${encodeURIComponent(creds.identifier)}&usersig=${usersig}&random=${random()}&contenttype=json`;
  const urls: Record<Operation, string> = {
    createTopic: `${origin}${CREATE_PATH}${query}`,
    getTopic: `${origin}${GET_PATH}${query}`,
  };
  return {
    name: timeoutMs === undefined ? "raw fetch" : "raw fetch + AbortSignal.timeout",
    async call(operation, body) {
      const res = await fetch(urls[operation], {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return checked(await res.json());
    },
  };
}

/**
 * Raw `fetch` with a per-attempt timeout: the floor of any client that bounds its attempts, which every real client
 * must (an answer that never comes would otherwise hang the call).
 */
export const rawFetchWithTimeout = (origin: string, creds: Credentials, usersig: string, timeoutMs = 5000) => rawFetch(origin, creds, usersig, timeoutMs);

/** Bare openapi-fetch, typed by generated/schema.ts, query filled by hand with a pre-generated UserSig. */
export function bareOpenapiFetch(origin: string, creds: Credentials, usersig: string): Contender {
  const client = createOpenapiClient<paths>({ baseUrl: origin });
  const query = () => ({
    sdkappid: creds.sdkAppId,
    identifier: creds.identifier,
    usersig,
    random: random(),
    contenttype: "json" as const,
  });
  return {
    name: "openapi-fetch",
    async call(operation, body) {
      const { data, error } =
        operation === "createTopic"
          ? await client.POST(CREATE_PATH, { params: { query: query() }, body: body as never })
          : await client.POST(GET_PATH, { params: { query: query() }, body: body as never });
      if (error !== undefined) throw new Error(`HTTP error ${JSON.stringify(error)}`);
      return checked(data);
    },
  };
}

/** This SDK, default options (validation, cached UserSig, retry engine on). */
export function sdkContender(sdk: SdkModule, origin: string, creds: Credentials): Contender {
  const im = sdk.createClient({ ...creds, baseUrl: origin });
  return {
    name: "tim-topics",
    call(operation, body) {
      return operation === "createTopic" ? im.createTopic(body) : im.getTopic(body);
    },
  };
}

/** The typical hand-rolled client: axios + tls-sig-api-v2, signing on every call, URL built by hand. */
export function handRolled(origin: string, creds: Credentials): Contender {
  const api = new OfficialApi(creds.sdkAppId, creds.secretKey);
  const commands: Record<Operation, string> = { createTopic: "create_topic", getTopic: "get_topic" };
  return {
    name: "axios + tls-sig-api-v2",
    async call(operation, body) {
      const usersig = api.genUserSig(creds.identifier, 86400);
      const url =
        `${origin}/v4/million_group_open_http_svc/${commands[operation]}?sdkappid=${creds.sdkAppId}` +
        `&identifier=${encodeURIComponent(creds.identifier)}&usersig=${usersig}&random=${random()}&contenttype=json`;
      const res = await axios.post(url, body);
      return checked(res.data);
    },
  };
}
