/**
 * @module harness — what the integration suites share: a fault server closed (and checked for creates applied twice)
 * when its test ends, a client whose hooks and fetch record everything, and the leak check that hunts every secret.
 */
import { inspect } from "node:util";
import { expect, onTestFinished } from "vitest";
import { createClient, type ClientOptions, type ErrorEvent, type RequestEvent, type ResponseEvent, type RetryEvent } from "../../src/index.js";
import { requestRules } from "../../generated/request-rules.js";
import { startFaultServer, type FaultServer, type FaultServerOptions, type RecordedRequest } from "./fault-server.js";
import type { OperationId } from "../../generated/operations.js";
import { operationTable } from "../../src/operations.js";
import { ADMIN, basicBody, GROUP, SDK_APP_ID, SECRET } from "./fixtures.js";

export { ADMIN, GROUP, SDK_APP_ID, SECRET };
export const separator = requestRules.createTopic.fields.TopicId.customTopicId.separator;
export const topicId = (custom: string) => `${GROUP}${separator}${custom}`;
/** Answer headers that make the client retry at once (keeps the suites fast without touching Math.random). */
export const NOW: Record<string, string> = { "retry-after-ms": "0" };

/** A fault server for this test: closed when it ends, and checked then that no create was applied twice. */
export async function serve(options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = await startFaultServer(options);
  onTestFinished(async () => {
    await server.close();
    expect(server.duplicates(), "a create was applied twice").toEqual([]);
  });
  return server;
}

export interface Harness {
  im: ReturnType<typeof createClient>;
  events: { request: RequestEvent[]; response: ResponseEvent[]; retry: RetryEvent[]; error: ErrorEvent[] };
  /** Every hook event rendered as a log line would be (JSON and util.inspect). */
  lines: string[];
  /** URLs the client handed to fetch (client-side view, so UserSigs are known even when nothing connected). */
  sent: string[];
}

/** A client of `origin` whose hooks record everything and whose fetch records every URL it is given. */
export function harness(origin: string, extra: Partial<ClientOptions> = {}): Harness {
  const events: Harness["events"] = { request: [], response: [], retry: [], error: [] };
  const lines: string[] = [];
  const sent: string[] = [];
  const record =
    <K extends keyof Harness["events"]>(kind: K) =>
    (event: Harness["events"][K][number]) => {
      (events[kind] as unknown[]).push(event);
      lines.push(`${kind} ${JSON.stringify(event)}`, `${kind} ${inspect(event, { depth: 5 })}`);
    };
  const inner = extra.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  // Whatever else a test checks, no hook event may carry a secret.
  onTestFinished(() => expectNoSecrets(harnessed, undefined, undefined, false));
  const im = createClient({
    sdkAppId: SDK_APP_ID,
    identifier: ADMIN,
    secretKey: SECRET,
    baseUrl: origin,
    onRequest: record("request"),
    onResponse: record("response"),
    onRetry: record("retry"),
    onError: record("error"),
    ...extra,
    fetch: (input, init) => {
      sent.push(String(input));
      return inner(input, init);
    },
  } as ClientOptions);
  const harnessed: Harness = { im, events, lines, sent };
  return harnessed;
}

/** Every secret a leak check must look for: the key, and each UserSig sent or seen (raw and percent-decoded). */
export function secretsOf(h: Harness, server?: FaultServer): string[] {
  const sigs = h.sent.map((url) => new URL(url).searchParams.get("usersig")).filter((s): s is string => !!s);
  return [...new Set([SECRET, ...sigs, ...(server?.usersigs() ?? [])])];
}

/** Asserts that no secret, nor any 20-character piece of one, appears in the error's renderings or in any log line. */
export function expectNoSecrets(h: Harness, server: FaultServer | undefined, error?: unknown, needSignatures = true): void {
  const texts = [...h.lines];
  if (error !== undefined) {
    const e = error as Error;
    texts.push(String(e), String(e.stack), JSON.stringify(e), inspect(e, { depth: 5 }));
  }
  const secrets = secretsOf(h, server);
  if (needSignatures) expect(secrets.length).toBeGreaterThan(1); // the key and at least one UserSig, or it proves little
  for (const secret of secrets) {
    for (let i = 0; i + 20 <= secret.length; i += 5) {
      const piece = secret.slice(i, i + 20);
      for (const text of texts) if (text.includes(piece)) expect.fail(`secret piece ${piece} leaked in: ${text.slice(0, 400)}`);
    }
  }
}

/** All requests of one call carry the same `random`, which the result or error reports. */
export function expectStableRandom(requests: readonly RecordedRequest[], reported: number | undefined): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(new Set(requests.map((r) => r.random))).toEqual(new Set([String(reported)]));
}

/** Settles `promise`, failing if it takes longer than `ms` (a liveness bound, not a speed target). */
export async function settle<T>(promise: Promise<T>, ms = 5_000): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([promise, hang]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("did not settle")) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

export const createBody = (name: string, custom?: string) => ({
  GroupId: GROUP,
  TopicName: name,
  ...(custom === undefined ? {} : { TopicId: topicId(custom) }),
});
export const getBody = (ids: string[] = []) => ({ GroupId: GROUP, From_Account: ADMIN, ...(ids.length ? { TopicIdList: ids } : {}) });

export const until = async (check: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
};


/**
 * A body of `operation` that can succeed on `server` (from its basic spec example): a keyed operation gets a unique
 * TopicName (`tag`) and, with `keyed`, its own TopicId; for the others, the topics the body names are seeded first.
 */
export async function callableBody(server: FaultServer, operation: OperationId, tag: string, keyed: boolean): Promise<Record<string, unknown>> {
  const { idempotency, idempotencyKey, readBack } = operationTable[operation];
  const body = basicBody(operation);
  if (idempotency === "keyed") {
    delete body[idempotencyKey!];
    // The fields a read-back matches on (the TopicName) are the tag, so each test's topic is its own.
    for (const field of readBack!.match) body[field] = tag;
    if (keyed) body[idempotencyKey!] = `${body.GroupId}${separator}${tag}`;
    return body;
  }
  const named = [body.TopicId, ...((body.TopicIdList as unknown[] | undefined) ?? [])].filter((id): id is string => typeof id === "string");
  // A custom-form ID is seeded as it is; an IM-assigned one (which no import may take) is swapped for a custom one.
  const ids = named.map((id, i) => (id.slice(String(body.GroupId).length).startsWith(`${separator}@TOPIC#`) ? `${body.GroupId}${separator}${tag}-${i}` : id));
  for (const TopicId of ids) await server.seed({ GroupId: String(body.GroupId), TopicId, TopicName: tag });
  // A body that names no topic (get every topic of the group) still needs its group to exist: IM answers 10010 otherwise.
  if (!ids.length) await server.seed({ GroupId: String(body.GroupId), TopicId: `${body.GroupId}${separator}${tag}-group`, TopicName: tag });
  if (body.TopicId !== undefined) body.TopicId = ids[0];
  if (body.TopicIdList !== undefined) body.TopicIdList = ids.slice(body.TopicId !== undefined ? 1 : 0);
  return body;
}
