/**
 * @module emulator — a stateful, in-process stand-in for IM's topic APIs, behind a `fetch`-shaped handler: give its
 * `fetch` to `createClient` and the app's code talks to something that keeps state, checks UserSigs with the SDK's
 * own verifier, validates bodies with the spec's rules and answers IM's way (HTTP 200, IM's codes), enforces the
 * documented rate limits, fires the topic callbacks, and takes scripted faults. Runtime-neutral: web APIs only.
 */
import { rejectionCodes, type CallbackCommand } from "../../generated/callbacks.js";
import { operationIds, operations, type OperationId } from "../../generated/operations.js";
import { requestRules } from "../../generated/request-rules.js";
import { assertInteger, assertOption } from "../internal/assert.js";
import { verifyUserSig } from "../usersig.js";
import { checkBody, type ObjectRule } from "../validate.js";
import { fail, failure, ImFailure, json, loadMeanings, meaningOf, ok } from "./answers.js";
import { postCallback, type CallbackReply, type CallbackTarget } from "./callback-client.js";
import { handlers, type HandlerContext } from "./handlers.js";
import { addGroup, frozen, IM_ASSIGNED, newStore, snapshot, type EmulatorState, type Store, type TopicRecord } from "./state.js";

export type { EmulatorState, EmulatorGroup, TopicRecord } from "./state.js";
export type { CallbackCommand } from "../../generated/callbacks.js";

export interface EmulatorOptions {
  /** The SDKAppID requests must carry (others answer 70020). */
  sdkAppId: number;
  /** The secret key UserSigs must be signed with (the SDK's verifier checks them). */
  secretKey: string;
  /** The App admin account requests must be made as. @default "administrator" */
  identifier?: string;
  /**
   * Check that every request carries a valid UserSig (70001/70003/70009/70013/70014 as IM answers) and is made as the
   * admin `identifier` (60010). Switch off only for tests that use fake signatures. @default true
   */
  checkCredentials?: boolean;
  /** Groups that exist from the start, by Community group ID: `true` with topics enabled, `false` without (11000). */
  groups?: Readonly<Record<string, boolean>>;
  /**
   * Create an unknown group as a topic-enabled Community on the first create or import in it; otherwise that answers
   * 10010. A get, modify or destroy in an unknown group always answers 10010 (the group does not exist). @default true
   */
  autoCreateGroups?: boolean;
  /**
   * Topics that exist from the start (their groups are created as topic-enabled Communities), held to what IM could
   * hold: import_topic's rules, a custom or IM-assigned TopicId of its group, a group with topics, `topicLimit`.
   */
  topics?: readonly ({ GroupId: string; TopicId: string; TopicName: string } & Partial<Omit<TopicRecord, "GroupID" | "TopicId" | "TopicName">>)[];
  /** Topics a Community may hold; one more answers 10037. @default 200 (IM's limit) */
  topicLimit?: number;
  /** Enforce each operation's documented rate limit (x-rate-limit-per-second): beyond it, 10006. @default true */
  rateLimit?: boolean;
  /** The topic callbacks, sent as IM sends them, to a handler (e.g. from `createCallbackHandler`) or a URL. */
  callback?: {
    /** The callback token (console: 回调鉴权); without it, requests carry no Sign/RequestTime. */
    token?: string;
    handler?: (request: Request) => Promise<Response>;
    url?: string;
    /** For `url`. @default globalThis.fetch */
    fetch?: typeof fetch;
    /** IM gives a callback 2 s. @default 2000 */
    timeoutMs?: number;
    /** What a before-create callback that times out or answers badly means: IM's default is to go ahead. @default "allow" */
    onFailure?: "allow" | "deny";
  };
  /**
   * Milliseconds since the epoch: what a topic's CreateTime, a callback's RequestTime and the UserSig expiry check read.
   * Freeze it for predictable CreateTimes; rate windows do not read it (they slide on the monotonic
   * `performance.now()`, so a frozen clock cannot freeze them). @default Date.now
   */
  clock?: () => number;
}

/** A scripted fault for the next matching calls. */
export type Fault = {
  /** Only calls of this operation. @default every operation */
  operation?: OperationId;
  /** How many calls it applies to. @default 1 */
  times?: number;
  /** Wait this long before answering (the change is applied first, as IM finishes work the caller gave up on). */
  latencyMs?: number;
} & (
  /**
   * Answer this IM code, with the spec's meaning as ErrorInfo unless `info` is given. A code the spec does not
   * document for the operation is sent as given (the test's own answer, like `answer`, outside the spec).
   */
  | { code: number; info?: string }
  /** `request`: the connection drops before IM reads it (nothing applied); `answer`: IM applies it, the answer is lost. */
  | { lose: "request" | "answer" }
  /** Answer this body (e.g. a spec example) instead. */
  | { answer: unknown }
  /** Answer this HTTP status and text (a proxy's 502). */
  | { status: number; body?: string }
  | {}
);

/** One call as the emulator saw it. */
export interface EmulatorCall {
  operation: OperationId | undefined;
  /** The body as parsed (undefined when it was not JSON). */
  body: unknown;
  /** The IM code answered (0 = success), or undefined when no IM answer was given (a lost request or answer, an HTTP error). */
  code: number | undefined;
  /** Whether the call changed or could have changed the state (it was processed). */
  processed: boolean;
}

/** One callback the emulator sent, and what it heard back. */
export interface EmulatorCallback {
  command: CallbackCommand;
  body: Record<string, unknown>;
  reply: CallbackReply;
}

export interface Emulator {
  /** A `fetch`: give it to `createClient({ fetch })` (any `baseUrl` will do, e.g. `https://emulator.test`). */
  readonly fetch: typeof fetch;
  /** The same, as a web handler (`Request` → `Response`), e.g. to serve over HTTP. */
  handle(request: Request): Promise<Response>;
  /** Adds a scripted fault. */
  inject(fault: Fault): void;
  /** A frozen copy of the state: groups, their topics with every field, destroyed IDs. */
  state(): EmulatorState;
  /** Every call so far, in arrival order: a frozen copy, as of this read (a call in flight shows what is known yet). */
  readonly calls: readonly Readonly<EmulatorCall>[];
  /** Every callback answered so far: a frozen copy, as of this read. */
  readonly callbacks: readonly Readonly<EmulatorCallback>[];
  /** Resolves once every callback in flight has been answered (after-callbacks are not awaited by the calls). */
  settle(): Promise<void>;
  /** Back to the initial state (the `groups` and `topics` options), with no faults, calls or callbacks. */
  reset(): void;
}

const { fields: importFields } = requestRules.importTopic;
/** A seeded topic: an import (its TopicId required), with the fields of a topic that no request sets otherwise. */
const seedRules: ObjectRule = {
  type: "object",
  additionalProperties: false,
  fields: {
    ...importFields,
    TopicId: { ...importFields.TopicId, required: true },
    MuteAllMember: requestRules.modifyTopic.fields.MuteAllMember,
    LastMsgTime: importFields.CreateTime,
    NextMsgSeq: importFields.CreateTime,
    Creator: importFields.From_Account,
  },
};
const groupRules: ObjectRule = { type: "object", additionalProperties: false, fields: { GroupId: importFields.GroupId } };

/** What one lifetime between resets holds. */
interface Generation {
  store: Store;
  calls: EmulatorCall[];
  callbacks: EmulatorCallback[];
}

/** IM's code for each reason the SDK's verifier gives. */
const USERSIG_CODES = { corrupt: 70003, "wrong-sdkappid": 70014, "wrong-identifier": 70013, expired: 70001, "bad-signature": 70009 } as const;

const operationByPath = new Map<string, OperationId>(operationIds.map((id) => [operations[id].path, id]));

export function createEmulator(options: EmulatorOptions): Emulator {
  assertOption(options && typeof options === "object", "options", "must be an object");
  assertInteger(options.sdkAppId, "sdkAppId", 1);
  assertOption(typeof options.secretKey === "string" && options.secretKey !== "", "secretKey", "must be a non-empty string");
  const identifier = options.identifier ?? "administrator";
  assertOption(typeof identifier === "string" && identifier !== "", "identifier", "must be a non-empty string");
  assertInteger(options.topicLimit, "topicLimit", 1, true);
  const callback = options.callback;
  assertOption(!callback || callback.handler !== undefined || callback.url !== undefined, "callback", "needs a `handler` or a `url`");
  assertOption(!callback?.handler || typeof callback.handler === "function", "callback", "`handler` must be a function");
  assertOption(callback?.url === undefined || isHttpUrl(callback.url), "callback.url", "must be an absolute http(s) URL");
  const clock = options.clock ?? Date.now;
  // IM's 200 topics per Community, which the spec's destroy_topic list is bounded by.
  const topicLimit = options.topicLimit ?? requestRules.destroyTopic.fields.TopicIdList.maxItems;
  const target: CallbackTarget | undefined = callback && {
    sdkAppId: options.sdkAppId,
    token: callback.token,
    handler: callback.handler,
    url: callback.url,
    fetch: callback.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: callback.timeoutMs ?? 2000,
  };

  let faults: (Fault & { left: number })[] = [];
  const pending = new Set<Promise<unknown>>();
  const windows = new Map<OperationId, number[]>();

  /** A fresh generation: the seeded state, no calls, no callbacks. */
  const seed = (): Generation => {
    const store = newStore();
    for (const [GroupId, topics] of Object.entries(options.groups ?? {})) {
      assertOption(!checkBody(groupRules, { GroupId }).length, "groups", `has ${JSON.stringify(GroupId)}, which is not a Community group ID`);
      addGroup(store, GroupId, topics);
    }
    // Seeds are held to what IM could hold: the import rules, in a group with topics, within the topic limit.
    options.topics?.forEach((seeded, i) => {
      const { GroupId, TopicId, TopicName, ...rest } = seeded;
      const option = `topics[${i}]`;
      // An IM-assigned ID (GroupId@TOPIC#_@TOPIC#…) is what a custom ID must not forge, and a seed may have one.
      const [issue] = checkBody(seedRules, seeded).filter((found) => !(found.limit === IM_ASSIGNED && TopicId.startsWith(GroupId + IM_ASSIGNED)));
      assertOption(!issue, option, `is not a topic IM could hold: ${issue?.message}`);
      const group = store.groups.get(GroupId) ?? addGroup(store, GroupId);
      assertOption(group.topics, option, `is in ${GroupId}, which \`groups\` declares without topics`);
      assertOption(group.live.size < topicLimit, option, `is more than the ${topicLimit} topics (\`topicLimit\`) ${GroupId} may hold`);
      group.live.set(TopicId, {
        TopicId,
        TopicName,
        GroupID: GroupId,
        CreateTime: Math.floor(clock() / 1000),
        LastMsgTime: 0,
        NextMsgSeq: 1,
        MuteAllMember: "Off",
        Creator: identifier,
        ...rest,
      });
    });
    return { store, calls: [], callbacks: [] };
  };
  // A call keeps the generation it arrived in to the end: one still at work when reset() replaces it (a create
  // waiting on its before-create callback, an after-callback on its way) lands in the discarded one.
  let current = seed();

  let warnedOfRefusal = false;
  const send = (generation: Generation, command: CallbackCommand, body: Record<string, unknown>): Promise<CallbackReply> => {
    const sent = postCallback(target!, command, body, Math.floor(clock() / 1000)).then((reply) => {
      generation.callbacks.push({ command, body, reply });
      // IM takes a 401/403 for a failed callback like any other (a before-create goes ahead by default), and so does
      // the emulator. But in a test it nearly always means the app refused the emulator's signature (another token or
      // SdkAppid, or a frozen or skewed `clock` signing a RequestTime the app's real clock calls stale), and the
      // silent result is a veto the app never got to make: said once, loudly, without the token.
      if (!reply.ok && reply.reason === "refused" && !warnedOfRefusal) {
        warnedOfRefusal = true;
        const said = reply.body?.replace(/\s+/g, " ").slice(0, 200);
        console.warn(`tim-topics/testing: the app answered ${command} with HTTP ${reply.status} (${said}), refusing the emulator's request as not IM's: another callback token or sdkAppId, or an emulator clock far from the app's? IM counts it as a failed callback (a before-create goes ahead unless onFailure is "deny"). Recorded in emu.callbacks; said once.`);
      }
      return reply;
    });
    pending.add(sent);
    const done = () => pending.delete(sent);
    sent.then(done, done);
    return sent;
  };

  const contextOf = (generation: Generation): HandlerContext => ({
    store: generation.store,
    now: () => Math.floor(clock() / 1000),
    identifier,
    topicLimit,
    group: ((operation: OperationId, GroupId: string, firstUse?: boolean) => {
      const group = generation.store.groups.get(GroupId);
      if (!group && (!firstUse || options.autoCreateGroups === false)) throw failure(operation, 10010, GroupId);
      if (group && !group.topics) throw failure(operation, 11000, GroupId);
      return group;
    }) as HandlerContext["group"],
    async before(command, body) {
      if (!target) return;
      const reply = await send(generation, command, body);
      const code = reply.ok ? reply.body.ErrorCode : undefined;
      if (reply.ok ? code === 0 : callback!.onFailure !== "deny") return;
      // The app's own code in the spec's rejection range (10100–10200) reaches the creator with its text; any other refusal is 10016.
      if (typeof code === "number" && code >= rejectionCodes.minimum && code <= rejectionCodes.maximum) throw new ImFailure(code, String(reply.ok ? (reply.body.ErrorInfo ?? "") : ""));
      throw failure("createTopic", 10016, reply.ok ? "the callback refused" : `the callback failed (${reply.reason})`);
    },
    after(command, body) {
      if (target) void send(generation, command, body);
    },
  });

  /** IM's answer to one call, or a failure thrown as IM would answer it. */
  async function answer(request: Request, generation: Generation, call: EmulatorCall, operation: OperationId, fault: Fault | undefined, arrived: number): Promise<Response> {
    const url = new URL(request.url);
    if (fault && "status" in fault) return new Response(fault.body ?? "", { status: fault.status, headers: { "content-type": "text/html" } });
    if (fault && "lose" in fault && fault.lose === "request") throw connectionReset();

    const text = await request.text();
    try {
      call.body = JSON.parse(text);
    } catch {
      call.body = undefined;
    }
    const refused = (await checkQuery(operation, url.searchParams)) ?? rateLimited(operation, arrived);
    if (refused) return reply(call, refused);
    // The test's own answer, like `answer`: a code the spec does not document for the operation is sent as given.
    if (fault && "code" in fault) return reply(call, new ImFailure(fault.code, fault.info ?? meaningOf(operation, fault.code) ?? `error ${fault.code}`));
    if (fault && "answer" in fault) {
      call.code = (fault.answer as { ErrorCode?: number } | null)?.ErrorCode;
      return json(fault.answer);
    }
    if (call.body === undefined) return reply(call, failure(operation, 60003, "the body is not JSON"));
    const issues = checkBody(requestRules[operation], call.body);
    if (issues.length) return reply(call, failure(operation, 10004, `${issues[0]!.field}: ${issues[0]!.message}`));

    call.processed = true;
    try {
      const fields = await handlers[operation](contextOf(generation), call.body as Record<string, unknown>);
      call.code = 0;
      return ok(fields);
    } catch (error) {
      if (!(error instanceof ImFailure)) throw error;
      return reply(call, error);
    }
  }

  function reply(call: EmulatorCall, refusal: ImFailure): Response {
    call.code = refusal.code;
    return fail(refusal);
  }

  function takeFault(operation: OperationId): Fault | undefined {
    const index = faults.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (--fault.left <= 0) faults.splice(index, 1);
    return fault;
  }

  /** The query IM requires, and the UserSig checked as IM does; undefined when all is well. */
  async function checkQuery(operation: OperationId, query: URLSearchParams): Promise<ImFailure | undefined> {
    const sdkappid = query.get("sdkappid");
    if (!sdkappid) return failure(operation, 60012);
    if (sdkappid !== String(options.sdkAppId)) return failure(operation, 70020, `sdkappid ${sdkappid}`);
    // All five are required (the spec's query parameters); random is a decimal uint32 (Number("") would pass as 0).
    const random = query.get("random") ?? "";
    if (query.get("contenttype") !== "json" || !/^\d{1,10}$/.test(random) || +random > 0xffffffff || !query.get("identifier")) {
      return failure(operation, 60002, "sdkappid, identifier, usersig, random (uint32) and contenttype=json are required");
    }
    const requested = query.get("identifier")!;
    if (options.checkCredentials !== false) {
      const usersig = query.get("usersig");
      if (!usersig) return failure(operation, 70002);
      const verdict = await verifyUserSig(usersig, { sdkAppId: options.sdkAppId, secretKey: options.secretKey, identifier: requested, now: Math.floor(clock() / 1000) });
      if (!verdict.ok) return failure(operation, USERSIG_CODES[verdict.reason], verdict.message);
      if (requested !== identifier) return failure(operation, 60010, `${requested} is not the App admin`);
    }
    return undefined;
  }

  /** 10006 beyond the operation's documented calls per second (a sliding 1 s window). */
  function rateLimited(operation: OperationId, now: number): ImFailure | undefined {
    if (options.rateLimit === false) return undefined;
    const window = (windows.get(operation) ?? []).filter((t) => t > now - 1000);
    windows.set(operation, window);
    if (window.length >= operations[operation].rateLimitPerSecond) return failure(operation, 10006, `more than ${operations[operation].rateLimitPerSecond} calls in 1 s`);
    window.push(now);
    return undefined;
  }

  async function handle(request: Request): Promise<Response> {
    // Counted against the rate limit when it arrived, not when its body and UserSig had been checked; on a monotonic
    // clock, as the user's `clock` may be frozen (a window that never slides would answer 10006 forever) or skewed.
    const arrived = performance.now();
    const generation = current;
    const call: EmulatorCall = { operation: undefined, body: undefined, code: undefined, processed: false };
    generation.calls.push(call);
    await loadMeanings();
    const operation = operationByPath.get(new URL(request.url).pathname);
    if (!operation) return fail(failure(undefined, 60009), 404);
    call.operation = operation;
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    const fault = takeFault(operation);
    const response = await answer(request, generation, call, operation, fault, arrived);
    // Latency comes after the work: IM finishes what a caller who gave up had asked for.
    if (fault?.latencyMs) await delay(fault.latencyMs, request.signal);
    if (fault && "lose" in fault && fault.lose === "answer") throw connectionReset(); // the change stands
    return response;
  }

  return {
    fetch: (input, init) => {
      try {
        const request = input instanceof Request && init === undefined ? input : new Request(input, init);
        if (request.signal.aborted) return Promise.reject(request.signal.reason);
        return handle(request);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    handle,
    inject(fault) {
      assertOption(fault && typeof fault === "object", "fault", "must be an object");
      assertInteger(fault.times, "times", 1, true);
      assertOption(fault.operation === undefined || operationIds.includes(fault.operation), "operation", `must be one of ${operationIds.join(", ")}`);
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    state: () => snapshot(current.store),
    // Frozen copies: a test that reads them cannot change what the emulator recorded (nor a body a call still works on).
    get calls() {
      return frozen(current.calls.map((call) => ({ ...call })));
    },
    get callbacks() {
      return frozen(current.callbacks.map((record) => ({ ...record })));
    },
    settle: async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    reset() {
      current = seed();
      faults = [];
      windows.clear();
    },
  };
}

function isHttpUrl(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** What fetch rejects with when the connection drops (undici's shape, so the SDK classifies it as a network failure). */
function connectionReset(): TypeError {
  return Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
