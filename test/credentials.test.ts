/** @module credentials.test — UserSig caching, sharing, renewal and refresh for the client, with an injected clock. */
import { Buffer } from "node:buffer";
import { inflateSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCredentials } from "../src/credentials.js";
import { TimConfigError, TimTimeoutError } from "../src/errors.js";
import { within } from "../src/transport/within.js";
import { verifyUserSig } from "../src/usersig.js";

const SECRET_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const IDENTITY = { sdkAppId: 1400000000, identifier: "administrator" };
const T0 = 1_700_000_000_000;

const decodeUserSig = (userSig: string) =>
  JSON.parse(inflateSync(Buffer.from(userSig.replaceAll("*", "+").replaceAll("-", "/").replaceAll("_", "="), "base64")).toString()) as {
    "TLS.time": number;
    "TLS.expire": number;
  };

/** A clock the test moves by hand. */
function manualClock(start = T0) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createCredentials with a secretKey", () => {
  it("signs a UserSig that verifies, issued at the clock's time with the configured TTL", async () => {
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, userSigTtlSeconds: 3600, clock: () => T0 + 999 });
    const userSig = await credentials.current();
    expect(decodeUserSig(userSig)).toMatchObject({ "TLS.time": T0 / 1000, "TLS.expire": 3600 });
    expect(await verifyUserSig(userSig, { ...IDENTITY, secretKey: SECRET_KEY, now: T0 / 1000 })).toMatchObject({ ok: true });
  });

  it("defaults the TTL to 86400 s and the clock to Date.now", async () => {
    const before = Math.floor(Date.now() / 1000);
    const document = decodeUserSig(await createCredentials({ ...IDENTITY, secretKey: SECRET_KEY }).current());
    expect(document["TLS.expire"]).toBe(86400);
    expect(document["TLS.time"]).toBeGreaterThanOrEqual(before);
    expect(document["TLS.time"]).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("signs once for concurrent callers and returns the same settled promise afterwards", async () => {
    const sign = vi.spyOn(crypto.subtle, "sign");
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, clock: manualClock().read });
    const concurrent = Array.from({ length: 10 }, () => credentials.current());
    expect(new Set(concurrent).size).toBe(1);
    await concurrent[0];
    const settled = credentials.current();
    expect(settled).toBe(concurrent[0]);
    for (let i = 0; i < 1000; i++) expect(credentials.current()).toBe(settled);
    expect(sign).toHaveBeenCalledTimes(1);
  });

  it.each([
    // [TTL, renewal margin]: 10 % of the TTL, but at least 60 s
    [86400, 8640],
    [3600, 360],
    [300, 60],
    [120, 60],
  ])("with a TTL of %i s, renews once only %i s of validity remain", async (ttl, margin) => {
    const clock = manualClock();
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, userSigTtlSeconds: ttl, clock: clock.read });
    const first = await credentials.current();

    clock.now = T0 + (ttl - margin) * 1000 - 1;
    expect(await credentials.current()).toBe(first);

    clock.now = T0 + (ttl - margin) * 1000;
    const renewed = await credentials.current();
    expect(renewed).not.toBe(first);
    expect(decodeUserSig(renewed)["TLS.time"]).toBe(T0 / 1000 + ttl - margin);

    // The next renewal is timed from the new signature.
    clock.now += (ttl - margin) * 1000 - 1;
    expect(await credentials.current()).toBe(renewed);
  });

  it("refresh() signs anew, and current() then returns the refreshed UserSig", async () => {
    const clock = manualClock();
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, clock: clock.read });
    const first = await credentials.current();
    clock.now += 1000;
    const refreshed = await credentials.refresh(first);
    expect(refreshed).not.toBe(first);
    expect(decodeUserSig(refreshed)["TLS.time"]).toBe(T0 / 1000 + 1);
    expect(await credentials.current()).toBe(refreshed);
    expect(credentials.canRefresh).toBe(true);
  });

  it("shares one renewal among concurrent refresh() calls", async () => {
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, clock: manualClock().read });
    const first = await credentials.current();
    const sign = vi.spyOn(crypto.subtle, "sign");
    const refreshes = [credentials.refresh(first), credentials.refresh(first), credentials.current()];
    expect(new Set(refreshes).size).toBe(1);
    await refreshes[0];
    expect(sign).toHaveBeenCalledTimes(1);
  });

  it("a refusal of a signature already replaced gets the replacement: 200 refusals of one signature renew once", async () => {
    const clock = manualClock();
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, clock: clock.read });
    const expired = await credentials.current();
    clock.now += 1000;
    const sign = vi.spyOn(crypto.subtle, "sign");
    // The refusals arrive spread out, some after the renewal settled: none of them renews again.
    const fresh = await credentials.refresh(expired);
    const later = await Promise.all(Array.from({ length: 199 }, () => credentials.refresh(expired)));
    expect(new Set(later)).toEqual(new Set([fresh]));
    expect(sign).toHaveBeenCalledTimes(1);
    // A refusal of the fresh one does renew.
    clock.now += 1000;
    expect(await credentials.refresh(fresh)).not.toBe(fresh);
    expect(sign).toHaveBeenCalledTimes(2);
  });

  it("peek() gives the settled, fresh signature and nothing while one is pending or due", async () => {
    const clock = manualClock();
    const credentials = createCredentials({ ...IDENTITY, secretKey: SECRET_KEY, userSigTtlSeconds: 3600, clock: clock.read });
    expect(credentials.peek()).toBeUndefined();
    const pending = credentials.current();
    expect(credentials.peek()).toBeUndefined();
    const first = await pending;
    expect(credentials.peek()).toBe(first);
    clock.now += 3600 * 1000;
    expect(credentials.peek()).toBeUndefined();
  });
});

describe("createCredentials with a userSig function", () => {
  it("calls it once for concurrent callers and trusts the result until refresh(), however much time passes", async () => {
    const clock = manualClock();
    let calls = 0;
    const source = vi.fn(async () => `sig-${++calls}`);
    const credentials = createCredentials({ ...IDENTITY, userSig: source, clock: clock.read });

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => credentials.current()));
    expect(concurrent).toEqual(Array(10).fill("sig-1"));
    clock.now += 10 * 365 * 86400_000;
    expect(await credentials.current()).toBe("sig-1");
    expect(source).toHaveBeenCalledTimes(1);

    expect(await credentials.refresh("sig-1")).toBe("sig-2");
    expect(await credentials.current()).toBe("sig-2");
    expect(source).toHaveBeenCalledTimes(2);
    expect(credentials.canRefresh).toBe(true);
  });

  it("accepts a synchronous function", async () => {
    expect(await createCredentials({ ...IDENTITY, userSig: () => "sync-sig" }).current()).toBe("sync-sig");
  });

  it("does not cache a failure: the callers see it as a TimConfigError naming `userSig`, the next call tries again", async () => {
    const down = new Error("signing service down");
    const source = vi.fn<() => Promise<string>>().mockRejectedValueOnce(down).mockResolvedValue("sig-ok");
    const credentials = createCredentials({ ...IDENTITY, userSig: source });
    const [first, second] = [credentials.current(), credentials.current()];
    for (const call of [first, second]) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimConfigError);
      expect(error).toMatchObject({ option: "userSig", cause: down });
      expect((error as Error).message).toContain("signing service down");
    }
    expect(await credentials.current()).toBe("sig-ok");
    expect(source).toHaveBeenCalledTimes(2);
  });

  it("drops a function that never settles after timeoutMs (TimTimeoutError kind userSig), and asks again next time", async () => {
    let calls = 0;
    const source = vi.fn(() => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve("sig-late")));
    const credentials = createCredentials({ ...IDENTITY, userSig: source, timeoutMs: 30 });
    const error = await credentials.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimTimeoutError);
    expect(error).toMatchObject({ kind: "userSig", limitMs: 30, mayHaveBeenApplied: false });
    expect(await credentials.current()).toBe("sig-late");
    expect(source).toHaveBeenCalledTimes(2);
  });

  it("turns a synchronous throw into a rejection", async () => {
    const credentials = createCredentials({
      ...IDENTITY,
      userSig: () => {
        throw new Error("boom");
      },
    });
    await expect(credentials.current()).rejects.toThrow(expect.objectContaining({ name: "TimConfigError", option: "userSig", message: expect.stringContaining("boom") }));
  });

  it.each([[""], [undefined], [42]])("rejects a function result of %j with a TimConfigError naming `userSig`", async (value) => {
    const credentials = createCredentials({ ...IDENTITY, userSig: () => value as unknown as string });
    await expect(credentials.current()).rejects.toThrow(expect.objectContaining({ name: "TimConfigError", option: "userSig", message: expect.stringContaining("`userSig`") }));
  });
});

describe("createCredentials with a fixed userSig string", () => {
  it("returns it, cannot refresh, and refresh() gives the same string", async () => {
    const credentials = createCredentials({ ...IDENTITY, userSig: "fixed-sig" });
    expect(credentials.current()).toBe(credentials.current());
    expect(await credentials.current()).toBe("fixed-sig");
    expect(credentials.canRefresh).toBe(false);
    expect(await credentials.refresh("fixed-sig")).toBe("fixed-sig");
    expect(credentials.peek()).toBe("fixed-sig");
  });
});

describe("within (the bounded wait credentials, the limiter and the read-back share)", () => {
  it("gives up at once on a signal already aborted, and a rejection that comes later is still handled", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      let fail!: (e: Error) => void;
      const late = new Promise<string>((_, reject) => (fail = reject));
      const controller = new AbortController();
      controller.abort();
      await expect(within(late, controller.signal, Infinity, (why) => new Error(`stopped by ${why}`))).rejects.toThrow("stopped by signal");
      fail(new Error("a chunk that never arrived"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", record);
    }
  });

  it("settles with the promise when it comes first, and stops at the time limit otherwise", async () => {
    await expect(within(Promise.resolve("first"), undefined, Date.now() + 1_000, () => new Error("late"))).resolves.toBe("first");
    await expect(within(new Promise(() => {}), undefined, Date.now() + 10, (why) => new Error(`stopped by ${why}`))).rejects.toThrow("stopped by time");
  });
});
