/**
 * @module options — the one gate for options: the client's `ClientOptions`, resolved once into `ResolvedOptions`, and
 * each call's `CallOptions`, checked by the same rules and merged over them into a call's `CallSettings`.
 */
import { regionHosts, regions, type Region } from "../generated/hosts.js";
import { MIN_RENEWAL_MARGIN_SECONDS, type UserSigSource } from "./credentials.js";
import { DEFAULTS } from "./defaults.js";
import type { Hooks, RequestEvent } from "./hooks.js";
import { TimConfigError } from "./errors.js";
import { assertInteger, assertOption as check } from "./internal/assert.js";
import type { CallOptions } from "./operations.js";
import { assertIdentityOptions, assertSecretKey } from "./usersig.js";

/**
 * The options of `createClient`: exactly one of `secretKey` and `userSig`, so passing both or neither is a compile
 * error (and, for callers without types, a `TimConfigError` from `resolveOptions`).
 */
export type ClientOptions = CommonClientOptions &
  (
    | {
        /** The app's secret key; the client then signs (and renews) its own UserSig. Server-side only. */
        secretKey: string;
        userSig?: never;
      }
    | {
        secretKey?: never;
        /** A UserSig, or a function that returns one (e.g. from your backend); called again after IM rejects a signature. */
        userSig: UserSigSource;
      }
  );

/** Every option of `ClientOptions` but the credential (`secretKey` or `userSig`). */
export interface CommonClientOptions extends Hooks {
  /** The SDKAppID from the IM console. */
  sdkAppId: number;
  /** An App admin account: REST calls must be made as an admin. */
  identifier: string;
  /** Validity of the UserSigs the client signs with `secretKey`, at least 120 s. @default 86400 (IM recommends at least 24 h) */
  userSigTtlSeconds?: number;
  /** The data centre of the SDKAppID. @default "cn" unless `baseUrl` is given */
  region?: Region;
  /** An origin to send to instead of a region host, e.g. `http://127.0.0.1:4010` (a Prism mock) or a proxy. */
  baseUrl?: string;
  /** Check every body against the spec before sending. Switch off to send fields this SDK does not know yet. @default true */
  validate?: boolean;
  /** Retries after the first attempt (re-signing and failover do not count). @default 2 */
  maxRetries?: number;
  /** Per-attempt timeout, also the time a `userSig` function gets to settle. IM's backend gives up after 3 s, so this must be longer. @default 5000 */
  timeoutMs?: number;
  /** Budget for a whole call, retries and backoff included. @default undefined (bounded by retries × timeout) */
  deadlineMs?: number;
  /** Client-side rate limit per operation. `true`: each operation's documented limit (the spec's `x-rate-limit-per-second`, 200/s). @default false */
  rateLimit?: boolean | { perSecond: number };
  /** On a DNS/connect failure, retry on the region's backup `*.my-imcloud.com` host. Needs `region`. @default false */
  failover?: boolean;
  /** The fetch to use (a proxy-aware one, or a test double). It is called with `redirect: "manual"`. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The largest answer read, in bytes after decompression; a larger one ends the attempt with `TimResponseError`. @default 4194304 (4 MiB) */
  maxResponseBytes?: number;
  /**
   * Allow `secretKey` in a browser. The secret key signs admin UserSigs: anyone who can read your page can then act
   * as your App admin. Get a `userSig` from your backend instead. @default false
   */
  dangerouslyAllowBrowser?: boolean;
}

export interface ResolvedOptions extends Hooks {
  sdkAppId: number;
  identifier: string;
  secretKey: string | undefined;
  userSig: UserSigSource | undefined;
  userSigTtlSeconds: number;
  origin: string;
  backupOrigin: string | undefined;
  validate: boolean;
  /** Also the time a `userSig` function gets to settle. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** What a call runs with when it gives no options of its own. */
  callDefaults: CallSettings;
  /** Sends per second per operation: a number, `"spec"` for each operation's documented limit, or undefined (off). */
  ratePerSecond: number | "spec" | undefined;
  fetch: typeof fetch;
}

/** A bound on retries, so a typo cannot turn one call into a flood. */
const MAX_RETRIES = 10;

/** A page, or a web/service worker (which has `importScripts`): anything whose code a visitor can read. */
const isBrowser = () =>
  (typeof window !== "undefined" && typeof document !== "undefined") ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === "function";

/**
 * Checks every option once, here, and throws `TimConfigError` naming the first bad one; the modules behind the client
 * (credentials, transport) trust what this returns.
 */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  check(options && typeof options === "object", "options", "must be an object");
  const o = readOnce(options, CLIENT_KEYS) as unknown as ClientOptions;
  const { secretKey, userSig, region, baseUrl } = o;
  assertIdentityOptions(o.sdkAppId, o.identifier); // the checks genUserSig makes, so signing cannot fail on them later
  check((secretKey === undefined) !== (userSig === undefined), "secretKey", "or `userSig` must be given, but not both");
  if (secretKey !== undefined) assertSecretKey(secretKey);
  check(userSig === undefined || typeof userSig === "function" || (typeof userSig === "string" && userSig !== ""), "userSig", "must be a non-empty string or a function");
  check(
    secretKey === undefined || o.dangerouslyAllowBrowser === true || !isBrowser(),
    "secretKey",
    "in browser code exposes your admin key to every visitor: get a `userSig` from your backend (or set `dangerouslyAllowBrowser: true`)",
  );
  check(region === undefined || baseUrl === undefined, "baseUrl", "and `region` are exclusive");
  check(region === undefined || Object.hasOwn(regionHosts, region), "region", `must be one of ${regions.join(", ")}`);
  const hosts: { primary: string; backup?: string } = regionHosts[region ?? "cn"];
  let origin = hosts.primary;
  if (baseUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(baseUrl);
    } catch {
      // reported below
    }
    check(parsed && /^https?:$/.test(parsed.protocol), "baseUrl", "must be an absolute http(s) URL such as http://127.0.0.1:4010");
    // fetch refuses such URLs on every call, and the password would show in every URL the SDK reports.
    check(!parsed.username && !parsed.password, "baseUrl", "must not carry credentials (user:password@): IM takes a UserSig");
    origin = baseUrl.replace(/\/+$/, "");
  }
  check(!o.failover || (region !== undefined && hosts.backup !== undefined), "failover", "needs a `region` that has a backup host");
  assertBudgets(o);
  assertInteger(o.maxResponseBytes, "maxResponseBytes", 1024, true);
  // Signatures are renewed with at least 60 s left, so a shorter validity would be renewed on every call.
  assertInteger(o.userSigTtlSeconds, "userSigTtlSeconds", 2 * MIN_RENEWAL_MARGIN_SECONDS, true);
  const rate = o.rateLimit === true ? "spec" : o.rateLimit ? o.rateLimit.perSecond : undefined;
  check(rate === undefined || rate === "spec" || (Number.isSafeInteger(rate) && rate >= 1), "rateLimit", "perSecond must be a positive integer");
  check(typeof (o.fetch ?? globalThis.fetch) === "function", "fetch", "must be a function (no global fetch in this runtime)");
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;

  return {
    // The options as read (sdkAppId, identifier, the credential, the hooks…), with the resolved values over them.
    ...o,
    secretKey,
    userSig,
    userSigTtlSeconds: o.userSigTtlSeconds ?? DEFAULTS.userSigTtlSeconds,
    origin,
    backupOrigin: o.failover ? hosts.backup : undefined,
    validate: o.validate ?? true,
    timeoutMs,
    maxResponseBytes: o.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
    callDefaults: Object.freeze({
      maxRetries: o.maxRetries ?? DEFAULTS.maxRetries,
      timeoutMs,
      deadlineMs: o.deadlineMs,
      signal: undefined,
      headers: undefined,
      onRequest: undefined,
    }),
    ratePerSecond: rate,
    // Some runtimes' fetch throws "Illegal invocation" when called unbound.
    fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
}

/** The budget options a client and a call share, checked by the same rules in both places. */
function assertBudgets(o: { maxRetries?: unknown; timeoutMs?: unknown; deadlineMs?: unknown }): void {
  assertInteger(o.maxRetries, "maxRetries", 0, true, MAX_RETRIES);
  assertInteger(o.timeoutMs, "timeoutMs", 1, true);
  assertInteger(o.deadlineMs, "deadlineMs", 1, true);
}

/** What one call runs with: the client's options with the call's own over them. */
export interface CallSettings {
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly onRequest: ((event: RequestEvent) => void) | undefined;
}

/** Checks a call's options as `resolveOptions` checks the client's (`TimConfigError` naming the option); `null` is none. */
export function resolveCallOptions(resolved: ResolvedOptions, options: CallOptions | null | undefined): CallSettings {
  if (options == null) return resolved.callDefaults;
  check(typeof options === "object", "options", "must be an object (or omitted)");
  const o = readOnce(options, CALL_KEYS) as unknown as CallOptions;
  assertBudgets(o);
  const { signal, onRequest } = o;
  check(
    signal === undefined ||
      (typeof signal === "object" && signal !== null && typeof signal.aborted === "boolean" && typeof signal.addEventListener === "function" && typeof signal.removeEventListener === "function"),
    "signal",
    "must be an AbortSignal",
  );
  // Copied once into a frozen plain object: what was checked is what is sent, whatever getters the caller's object has.
  let headers: Record<string, unknown> | undefined;
  if (o.headers !== undefined) {
    check(typeof o.headers === "object" && o.headers !== null, "headers", HEADERS_RULE);
    headers = readOnce(o.headers, undefined);
    check(Object.entries(headers).every(([name, value]) => HEADER_NAME.test(name) && typeof value === "string" && !/[\r\n\0]/.test(value)), "headers", HEADERS_RULE);
  }
  check(onRequest === undefined || typeof onRequest === "function", "onRequest", "must be a function");
  return {
    maxRetries: o.maxRetries ?? resolved.callDefaults.maxRetries,
    timeoutMs: o.timeoutMs ?? resolved.callDefaults.timeoutMs,
    deadlineMs: o.deadlineMs ?? resolved.callDefaults.deadlineMs,
    signal,
    headers: headers && Object.freeze(headers as Record<string, string>),
    onRequest,
  };
}

const HEADERS_RULE = "must be an object of HTTP header names and string values without CR, LF or NUL";

/** Every option a client reads. */
const CLIENT_KEYS = [
  "sdkAppId", "identifier", "secretKey", "userSig", "userSigTtlSeconds", "region", "baseUrl", "validate", "maxRetries", "timeoutMs",
  "deadlineMs", "rateLimit", "failover", "fetch", "maxResponseBytes", "dangerouslyAllowBrowser", "onRequest", "onResponse", "onRetry", "onError",
] as const satisfies readonly (keyof CommonClientOptions | "secretKey" | "userSig")[];
/** Every option a call reads. */
const CALL_KEYS = ["signal", "timeoutMs", "deadlineMs", "maxRetries", "headers", "onRequest"] as const satisfies readonly (keyof CallOptions)[];
// Both lists are complete: an option added to the types but not here would be read as undefined. (A compile error.)
type Unlisted = Exclude<keyof CommonClientOptions | "secretKey" | "userSig", (typeof CLIENT_KEYS)[number]> | Exclude<keyof CallOptions, (typeof CALL_KEYS)[number]>;
void (true satisfies [Unlisted] extends [never] ? true : never);

/**
 * A plain copy of `options`, each of `keys` (or each own enumerable key) read exactly once: a getter cannot pass the
 * checks with one value and be used with another, and an object that throws when read is a `TimConfigError`.
 */
function readOnce(options: object, keys: readonly string[] | undefined): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  try {
    if (keys) for (const key of keys) copy[key] = (options as Record<string, unknown>)[key];
    else for (const [key, value] of Object.entries(options)) copy[key] = value;
  } catch (error) {
    throw new TimConfigError("options", "`options` could not be read", { cause: error });
  }
  return copy;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
