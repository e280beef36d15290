/**
 * Table-driven tests of the pure retry policy: every failure kind × idempotent or not × budget left or spent (×
 * re-sign available or not), the backoff bounds with an injected random, and Retry-After parsing and bounds.
 */
import { describe, expect, it } from "vitest";
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  RETRY_AFTER_MAX_MS,
  decideRetry,
  parseRetryAfter,
  type RetryClass,
  type AttemptFailure,
  type RetryInput,
} from "../src/retry-policy.js";

const retryClasses: RetryClass[] = ["transient", "rate-limit", "resign", "never"];

/** Every failure the transport can report, with a label. */
const failures: [string, AttemptFailure][] = [
  ["connect failure", { kind: "network", connectFailed: true }],
  ["reset / other network failure", { kind: "network", connectFailed: false }],
  ["attempt timeout", { kind: "timeout" }],
  ["unparsable 200 body", { kind: "body" }],
  ...[408, 429, 500, 502, 503, 504, 400, 401, 404, 409, 501].map((status): [string, AttemptFailure] => [`HTTP ${status}`, { kind: "http", status }]),
  ...retryClasses.map((retry): [string, AttemptFailure] => [`IM code, class ${retry}`, { kind: "api", retry }]),
];

/**
 * The policy, written out independently: whether a failure may be retried given whether repeating the request is
 * harmless (`idempotent`). Only failures that prove the request was not applied are retried when it is not.
 */
function expectedSafe(failure: AttemptFailure, idempotent: boolean): boolean {
  switch (failure.kind) {
    case "network":
      return failure.connectFailed || idempotent;
    case "timeout":
    case "body":
      return idempotent;
    case "http":
      if (failure.status === 429) return true; // refused before processing
      return [408, 500, 502, 503, 504].includes(failure.status) && idempotent;
    case "api":
      if (failure.retry === "rate-limit") return true;
      if (failure.retry === "transient") return idempotent;
      return false; // resign is handled apart; never is never
  }
}

const rows = failures.flatMap(([label, failure]) =>
  [true, false].flatMap((idempotent) =>
    [false, true].flatMap((budgetSpent) => [true, false].map((canResign) => ({ label, failure, idempotent, budgetSpent, canResign }))),
  ),
);

const input = (overrides: Partial<RetryInput> & Pick<RetryInput, "failure">): RetryInput => ({
  retriesUsed: 0,
  maxRetries: 2,
  idempotent: true,
  canResign: false,
  random: () => 0.5,
  ...overrides,
});

describe("decideRetry", () => {
  it.each(rows)(
    "$label · idempotent $idempotent · budget spent $budgetSpent · can re-sign $canResign",
    ({ failure, idempotent, budgetSpent, canResign }) => {
      const maxRetries = 2;
      const decision = decideRetry(input({ failure, idempotent, canResign, maxRetries, retriesUsed: budgetSpent ? maxRetries : 1 }));
      if (failure.kind === "api" && failure.retry === "resign") {
        // Re-signing fixes the request itself: once, at once, whatever the budget or idempotency, not counted.
        expect(decision).toEqual(canResign ? { retry: true, delayMs: 0, resign: true, countsAsRetry: false } : { retry: false });
        return;
      }
      if (budgetSpent || !expectedSafe(failure, idempotent)) {
        expect(decision).toEqual({ retry: false });
        return;
      }
      expect(decision).toMatchObject({ retry: true, countsAsRetry: true });
      expect(decision).not.toHaveProperty("resign");
      // retriesUsed 1: full jitter over base · 2, random 0.5 → half of it.
      expect((decision as { delayMs: number }).delayMs).toBe(Math.floor(0.5 * BACKOFF_BASE_MS * 2));
    },
  );

  it("a create without TopicId is retried only on proof it was not applied", () => {
    const retried = failures
      .filter(([, failure]) => decideRetry(input({ failure, idempotent: false, canResign: true })).retry)
      .map(([label]) => label);
    expect(retried).toEqual(["connect failure", "HTTP 429", "IM code, class rate-limit", "IM code, class resign"]);
  });

  it("maxRetries 0 retries nothing but a re-sign", () => {
    for (const [, failure] of failures) {
      const decision = decideRetry(input({ failure, maxRetries: 0, canResign: true }));
      expect(decision.retry).toBe(failure.kind === "api" && failure.retry === "resign");
    }
  });
});

describe("backoff", () => {
  it("has the documented defaults", () => {
    expect([BACKOFF_BASE_MS, BACKOFF_CAP_MS, RETRY_AFTER_MAX_MS]).toEqual([500, 8_000, 60_000]);
  });

  const failure: AttemptFailure = { kind: "api", retry: "transient" };
  const randoms = [0, 1e-9, 0.25, 0.5, 0.999, 1 - 2 ** -53];

  it.each(Array.from({ length: 9 }, (_, retriesUsed) => retriesUsed))("after %i retries: full jitter in [0, min(cap, base · 2^n))", (retriesUsed) => {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retriesUsed);
    for (const r of randoms) {
      const decision = decideRetry(input({ failure, retriesUsed, maxRetries: 10, random: () => r }));
      expect(decision.retry).toBe(true);
      const { delayMs } = decision as { delayMs: number };
      expect(Number.isInteger(delayMs)).toBe(true);
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThan(ceiling);
      expect(delayMs).toBe(Math.floor(r * ceiling));
    }
  });

  it("never exceeds the cap, however many retries", () => {
    const decision = decideRetry(input({ failure, retriesUsed: 9, maxRetries: 10, random: () => 1 - 2 ** -53 }));
    expect((decision as { delayMs: number }).delayMs).toBe(BACKOFF_CAP_MS - 1);
  });

  it("draws the random once per decision", () => {
    let calls = 0;
    decideRetry(input({ failure, random: () => (calls++, 0.3) }));
    expect(calls).toBe(1);
  });
});

describe("Retry-After in decideRetry", () => {
  const failure: AttemptFailure = { kind: "http", status: 429 };
  it.each([
    { retryAfterMs: 0, delayMs: 0 },
    { retryAfterMs: 1, delayMs: 1 },
    { retryAfterMs: 1_500, delayMs: 1_500 },
    { retryAfterMs: 60_000, delayMs: 60_000 }, // honoured up to and including the maximum
    { retryAfterMs: 60_001, delayMs: Math.floor(0.5 * BACKOFF_BASE_MS) }, // above it: ignored, backoff instead
    { retryAfterMs: 3_600_000, delayMs: Math.floor(0.5 * BACKOFF_BASE_MS) },
    { retryAfterMs: -5, delayMs: Math.floor(0.5 * BACKOFF_BASE_MS) }, // nonsense: backoff
    { retryAfterMs: undefined, delayMs: Math.floor(0.5 * BACKOFF_BASE_MS) },
  ])("retryAfterMs $retryAfterMs → delay $delayMs", ({ retryAfterMs, delayMs }) => {
    expect(decideRetry(input({ failure, retryAfterMs, idempotent: false }))).toEqual({ retry: true, delayMs, countsAsRetry: true });
  });

  it("does not override a spent budget or an unsafe failure", () => {
    expect(decideRetry(input({ failure, retryAfterMs: 0, retriesUsed: 2 }))).toEqual({ retry: false });
    expect(decideRetry(input({ failure: { kind: "timeout" }, retryAfterMs: 0, idempotent: false }))).toEqual({ retry: false });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  const at = (offsetMs: number) => new Date(now + offsetMs).toUTCString();
  it.each([
    { headers: {}, expected: undefined },
    { headers: { "retry-after-ms": "250" }, expected: 250 },
    { headers: { "retry-after-ms": "12.5" }, expected: 12.5 },
    { headers: { "retry-after": "3" }, expected: 3_000 },
    { headers: { "retry-after": "0" }, expected: 0 },
    { headers: { "retry-after": "61" }, expected: 61_000 }, // parsed; decideRetry ignores it
    { headers: { "retry-after-ms": "40", "retry-after": "9" }, expected: 40 }, // the precise one wins
    { headers: { "retry-after-ms": "soon", "retry-after": "2" }, expected: 2_000 }, // unusable ms: fall back
    { headers: { "retry-after": at(10_000) }, expected: 10_000 },
    { headers: { "retry-after": at(-10_000) }, expected: 0 }, // a date in the past: at once
    { headers: { "retry-after": "Sun, 06 Nov 1994 08:49:37 GMT" }, expected: 0 },
    { headers: { "retry-after": "whenever" }, expected: undefined },
    { headers: { "retry-after": "" }, expected: undefined }, // empty is absent, not "retry at once"
    { headers: { "retry-after-ms": "" }, expected: undefined },
    { headers: { "retry-after-ms": "", "retry-after": "1" }, expected: 1_000 },
  ])("$headers → $expected", ({ headers, expected }) => {
    expect(parseRetryAfter(new Headers(headers as Record<string, string>), now)).toBe(expected);
  });
});
