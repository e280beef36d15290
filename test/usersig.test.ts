/** @module usersig.test — UserSig signing/verification against the reference vector, Node's zlib/crypto and the official node signer. */
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { constants as zlibConstants, deflateRawSync, deflateSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bytesToBase64, toUserSigAlphabet } from "../src/internal/base64.js";
import { base64ToBytes, fromUserSigAlphabet } from "../src/internal/base64-decode.js";
import { zlibInflate } from "../src/internal/inflate.js";
import { adler32, zlibStore } from "../src/internal/zlib.js";
import { genUserSig, verifyUserSig, type GenUserSigOptions, type VerifyUserSigOptions } from "../src/usersig.js";
import { TimConfigError } from "../src/errors.js";
import { forgetFailedLoads, importWithChunk, restoreChunks } from "./helpers/lazy-chunk.js";

interface OfficialApi {
  genUserSig(identifier: string, expireSeconds: number): string;
  genPrivateMapKey(identifier: string, expireSeconds: number, roomId: number, privilegeMap: number): string;
}
const { Api: OfficialSigner } = createRequire(import.meta.url)("tls-sig-api-v2") as {
  Api: new (sdkAppId: number, secretKey: string) => OfficialApi;
};

// tencent-im.md §1.4
const SECRET_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const REFERENCE = { sdkAppId: 1400000000, secretKey: SECRET_KEY, identifier: "xiaojun", expireSeconds: 15552000, now: 1700000000 };
const REFERENCE_SIG = "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=";
const REFERENCE_USERSIG =
  "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gosWZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__";
const REFERENCE_VERIFY = { sdkAppId: 1400000000, secretKey: SECRET_KEY, identifier: "xiaojun" };

// Independent of src/: Node's Buffer, zlib and crypto are the oracle.
const zlibBytesOf = (userSig: string) =>
  Buffer.from(userSig.replaceAll("*", "+").replaceAll("-", "/").replaceAll("_", "="), "base64");
const decodeUserSig = (userSig: string): Record<string, unknown> =>
  JSON.parse(inflateSync(zlibBytesOf(userSig)).toString("utf8"));
const encodeUserSig = (json: string | Uint8Array) =>
  deflateSync(typeof json === "string" ? Buffer.from(json) : json)
    .toString("base64")
    .replaceAll("+", "*")
    .replaceAll("/", "-")
    .replaceAll("=", "_");
const nodeHmac = (secretKey: string, identifier: string, sdkAppId: number, time: number, expire: number) =>
  createHmac("sha256", secretKey)
    .update(`TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`)
    .digest("base64");
/** The document as the node signer builds it, in its key order. */
const expectedDocument = (o: Required<GenUserSigOptions>) => ({
  "TLS.ver": "2.0",
  "TLS.identifier": o.identifier,
  "TLS.sdkappid": o.sdkAppId,
  "TLS.time": o.now,
  "TLS.expire": o.expireSeconds,
  "TLS.sig": nodeHmac(o.secretKey, o.identifier, o.sdkAppId, o.now, o.expireSeconds),
});
/** Re-encodes `userSig` with `edit` applied to its document, without re-signing. */
const tamper = (userSig: string, edit: (document: Record<string, unknown>) => void) => {
  const document = decodeUserSig(userSig);
  edit(document);
  return encodeUserSig(JSON.stringify(document));
};

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("genUserSig", () => {
  describe("its signer, loaded on first use", () => {
    afterEach(restoreChunks);

    it("is loaded again after a failed load: one failure does not break signing for good", async () => {
      const { fresh } = await importWithChunk<typeof import("../src/usersig.js")>("src/internal/usersig-token.js", "fails once", "src/usersig.js");
      await expect(fresh.genUserSig(REFERENCE)).rejects.toMatchObject({ name: "TimConfigError", option: "secretKey", message: expect.stringContaining("could not be loaded") });
      forgetFailedLoads();
      expect(decodeUserSig(await fresh.genUserSig(REFERENCE))["TLS.sig"]).toBe(REFERENCE_SIG);
    });
  });

  it("signs the reference vector with the expected TLS.sig and fields, in the node signer's key order", async () => {
    const document = decodeUserSig(await genUserSig(REFERENCE));
    expect(document["TLS.sig"]).toBe(REFERENCE_SIG);
    expect(document).toEqual({
      "TLS.ver": "2.0",
      "TLS.identifier": "xiaojun",
      "TLS.sdkappid": 1400000000,
      "TLS.time": 1700000000,
      "TLS.expire": 15552000,
      "TLS.sig": REFERENCE_SIG,
    });
    expect(Object.keys(document)).toEqual(["TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire", "TLS.sig"]);
  });

  it("uses only the UserSig alphabet", async () => {
    expect(await genUserSig(REFERENCE)).toMatch(/^[A-Za-z0-9*_-]+$/);
  });

  it("stores the JSON uncompressed in one final stored block: 78 01 | 01 LEN NLEN | JSON | Adler-32", async () => {
    const zlib = zlibBytesOf(await genUserSig(REFERENCE));
    const json = Buffer.from(JSON.stringify(expectedDocument(REFERENCE)));
    expect([...zlib.subarray(0, 3)]).toEqual([0x78, 0x01, 0x01]);
    expect(zlib.readUInt16LE(3)).toBe(json.length);
    expect(zlib.readUInt16LE(5)).toBe(~json.length & 0xffff);
    expect(zlib.subarray(7, -4).equals(json)).toBe(true);
    expect(zlib.readUInt32BE(zlib.length - 4)).toBe(adler32(json));
  });

  it.each(["xiaojun", "administrator_01", "管理员", "emoji😀user", 'quote"and\\backslash', "tab\tnewline\n"])(
    "produces the official tls-sig-api-v2 signer's exact JSON for %j at the same instant",
    async (identifier) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(1_700_000_000_900);
      const official = new OfficialSigner(1400000000, SECRET_KEY).genUserSig(identifier, 86400);
      const ours = await genUserSig({ sdkAppId: 1400000000, secretKey: SECRET_KEY, identifier, expireSeconds: 86400 });
      expect(inflateSync(zlibBytesOf(ours)).toString("utf8")).toBe(inflateSync(zlibBytesOf(official)).toString("utf8"));
      expect(decodeUserSig(ours)["TLS.time"]).toBe(1700000000); // `now` defaults to Date.now() floored to seconds
    },
  );

  it("matches Node's HMAC over the string to sign and verifies, for random inputs (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          identifier: fc.oneof(fc.string({ minLength: 1, maxLength: 40, unit: "binary" }), fc.string({ minLength: 1, unit: "grapheme" })),
          secretKey: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ minLength: 1, unit: "binary" })),
          sdkAppId: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
          expireSeconds: fc.integer({ min: 1, max: 10 * 365 * 86400 }),
          now: fc.integer({ min: 0, max: 4_102_444_800 }),
        }),
        async (options) => {
          const userSig = await genUserSig(options);
          expect(decodeUserSig(userSig)).toEqual(expectedDocument(options));
          const { sdkAppId, secretKey, identifier, expireSeconds, now } = options;
          expect(await verifyUserSig(userSig, { sdkAppId, secretKey, identifier, now: now + expireSeconds })).toEqual({
            ok: true,
            sdkAppId,
            identifier,
            issuedAt: now,
            expireSeconds,
            expiresAt: now + expireSeconds,
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each<[string, Partial<GenUserSigOptions> | Record<string, unknown>]>([
    ["sdkAppId", { sdkAppId: 0 }],
    ["sdkAppId", { sdkAppId: 1.5 }],
    ["sdkAppId", { sdkAppId: "1400000000" }],
    ["secretKey", { secretKey: "" }],
    ["secretKey", { secretKey: undefined }],
    ["identifier", { identifier: "" }],
    ["identifier", { identifier: 42 }],
    ["identifier", { identifier: "lone\ud800surrogate" }],
    ["expireSeconds", { expireSeconds: 0 }],
    ["expireSeconds", { expireSeconds: -86400 }],
    ["expireSeconds", { expireSeconds: 86400.5 }],
    ["expireSeconds", { expireSeconds: Number.NaN }],
    ["now", { now: -1 }],
    ["now", { now: 1700000000.25 }],
  ])("rejects a bad `%s` with a TimConfigError naming it: %j", async (name, override) => {
    const promise = genUserSig({ ...REFERENCE, ...override } as GenUserSigOptions);
    await expect(promise).rejects.toThrow(TimConfigError);
    await expect(promise).rejects.toMatchObject({ option: name, message: expect.stringContaining(`\`${name}\``) });
  });

  it("never puts the secret key in an error message", async () => {
    const error: unknown = await genUserSig({ ...REFERENCE, expireSeconds: 0 }).catch((caught: unknown) => caught);
    expect(String(error)).toContain("`expireSeconds`");
    expect(String(error)).not.toContain(SECRET_KEY);
  });

  it("fails with one clear error when WebCrypto is missing", async () => {
    vi.stubGlobal("crypto", undefined);
    await expect(genUserSig(REFERENCE)).rejects.toThrow(/WebCrypto \(`globalThis\.crypto\.subtle`\)/);
    await expect(genUserSig(REFERENCE)).rejects.toBeInstanceOf(TimConfigError);
    await expect(verifyUserSig(REFERENCE_USERSIG, { ...REFERENCE_VERIFY, now: 1700000001 })).rejects.toThrow(/WebCrypto/);
  });

  it("imports the HMAC key once per secret", async () => {
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    const options = { ...REFERENCE, secretKey: "a secret used only by this test" };
    await Promise.all([genUserSig(options), genUserSig(options)]);
    await genUserSig({ ...options, now: options.now + 1 });
    await verifyUserSig(await genUserSig(options), { ...REFERENCE_VERIFY, secretKey: options.secretKey, now: options.now });
    expect(importKey).toHaveBeenCalledTimes(1);
    await genUserSig({ ...options, secretKey: "another secret used only by this test" });
    expect(importKey).toHaveBeenCalledTimes(2);
  });

  it("does not keep a failed key import: the next signing imports again and succeeds", async () => {
    const importKey = vi.spyOn(crypto.subtle, "importKey").mockRejectedValueOnce(new Error("the key store was busy"));
    const options = { ...REFERENCE, secretKey: "a secret whose first import fails" };
    await expect(genUserSig(options)).rejects.toThrow("busy");
    expect(decodeUserSig(await genUserSig(options))["TLS.identifier"]).toBe(REFERENCE.identifier);
    expect(importKey).toHaveBeenCalledTimes(2);
  });
});

describe("verifyUserSig", () => {
  it("accepts the reference UserSig made by the node signer with real deflate", async () => {
    expect(await verifyUserSig(REFERENCE_USERSIG, { ...REFERENCE_VERIFY, now: 1700000000 + 1 })).toEqual({
      ok: true,
      sdkAppId: 1400000000,
      identifier: "xiaojun",
      issuedAt: 1700000000,
      expireSeconds: 15552000,
      expiresAt: 1715552000,
    });
  });

  it.each(["xiaojun", "管理员", "emoji😀user"])("accepts a fresh UserSig from the official signer for %j", async (identifier) => {
    const userSig = new OfficialSigner(1400000000, SECRET_KEY).genUserSig(identifier, 86400);
    expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, identifier })).toMatchObject({ ok: true, identifier, expireSeconds: 86400 });
  });

  it("rejects another SDKAppID as wrong-sdkappid", async () => {
    const result = await verifyUserSig(REFERENCE_USERSIG, { ...REFERENCE_VERIFY, sdkAppId: 1400000001, now: 1700000001 });
    expect(result).toEqual({ ok: false, reason: "wrong-sdkappid", message: expect.stringContaining("1400000000") });
  });

  it("rejects another identifier as wrong-identifier", async () => {
    const result = await verifyUserSig(REFERENCE_USERSIG, { ...REFERENCE_VERIFY, identifier: "xiaojun2", now: 1700000001 });
    expect(result).toEqual({ ok: false, reason: "wrong-identifier", message: expect.stringContaining('"xiaojun"') });
  });

  it("is valid through now = time + expire and expired one second later (Go: now > time + expire)", async () => {
    const userSig = await genUserSig({ ...REFERENCE, now: 1000, expireSeconds: 60 });
    expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: 1000 + 60 })).toMatchObject({ ok: true, expiresAt: 1060 });
    expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: 1000 + 60 + 1 })).toEqual({
      ok: false,
      reason: "expired",
      message: expect.stringContaining("1060"),
    });
  });

  it("defaults `now` to the current time", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const userSig = await genUserSig({ ...REFERENCE, now: 1000, expireSeconds: 60 });
    vi.setSystemTime(1060_999);
    expect(await verifyUserSig(userSig, REFERENCE_VERIFY)).toMatchObject({ ok: true });
    vi.setSystemTime(1061_000);
    expect(await verifyUserSig(userSig, REFERENCE_VERIFY)).toMatchObject({ ok: false, reason: "expired" });
  });

  it("checks in Go's order: SDKAppID, identifier, expiry, signature", async () => {
    const userSig = await genUserSig({ ...REFERENCE, now: 1000, expireSeconds: 60 });
    const late = 5000;
    const reasonFor = async (options: Partial<VerifyUserSigOptions>) =>
      ((await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: late, ...options })) as { reason?: string }).reason;
    expect(await reasonFor({ sdkAppId: 7, identifier: "other", secretKey: "other" })).toBe("wrong-sdkappid");
    expect(await reasonFor({ identifier: "other", secretKey: "other" })).toBe("wrong-identifier");
    expect(await reasonFor({ secretKey: "other" })).toBe("expired");
    expect(await reasonFor({ secretKey: "other", now: 1000 })).toBe("bad-signature");
  });

  describe("rejects as bad-signature", () => {
    const now = 1700000001;
    it("a UserSig signed with another secret key", async () => {
      const userSig = await genUserSig({ ...REFERENCE, secretKey: SECRET_KEY.replace("5", "6") });
      expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now })).toEqual({
        ok: false,
        reason: "bad-signature",
        message: expect.any(String),
      });
    });

    it("a UserSig whose TLS.sig was altered by one bit", async () => {
      const userSig = tamper(REFERENCE_USERSIG, (document) => {
        const signature = Buffer.from(document["TLS.sig"] as string, "base64");
        signature[31]! ^= 1;
        document["TLS.sig"] = signature.toString("base64");
      });
      expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    it.each([
      ["bytes appended", (signature: Buffer) => Buffer.concat([signature, Buffer.of(0)])],
      ["only its first half", (signature: Buffer) => signature.subarray(0, 16)],
      ["nothing left", () => Buffer.alloc(0)],
    ])("a UserSig whose TLS.sig has %s", async (_, edit) => {
      const userSig = tamper(REFERENCE_USERSIG, (document) => {
        document["TLS.sig"] = edit(Buffer.from(document["TLS.sig"] as string, "base64")).toString("base64");
      });
      expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    it("a UserSig whose TLS.expire was extended without re-signing", async () => {
      const userSig = tamper(REFERENCE_USERSIG, (document) => {
        document["TLS.expire"] = 10 * 15552000;
      });
      expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: 1800000000 })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    it("a PrivateMapKey (TLS.userbuf is signed too, so it is not a UserSig)", async () => {
      const privateMapKey = new OfficialSigner(1400000000, SECRET_KEY).genPrivateMapKey("xiaojun", 86400, 1234, 255);
      expect(decodeUserSig(privateMapKey)).toHaveProperty("TLS.userbuf");
      expect(await verifyUserSig(privateMapKey, REFERENCE_VERIFY)).toMatchObject({ ok: false, reason: "bad-signature" });
    });
  });

  describe("rejects as corrupt", () => {
    const documentWith = (edit: (document: Record<string, unknown>) => void) => tamper(REFERENCE_USERSIG, edit);
    const cases: [string, string][] = [
      ["an empty string", ""],
      ["a truncated token", REFERENCE_USERSIG.slice(0, 60)],
      ["a token missing its last 8 characters (checksum)", REFERENCE_USERSIG.slice(0, -8)],
      ["characters outside the UserSig alphabet", "not a UserSig!"],
      ["padding (`_`) in the middle", `${REFERENCE_USERSIG.slice(0, 8)}_${REFERENCE_USERSIG.slice(8)}`],
      ["valid base64 of garbage", toUserSigAlphabet(Buffer.from("garbage, not zlib at all").toString("base64"))],
      ["raw deflate instead of zlib", toUserSigAlphabet(deflateRawSync(Buffer.from("{}")).toString("base64"))],
      ["valid zlib of non-JSON", encodeUserSig("TLS.identifier:xiaojun")],
      ["valid zlib of invalid UTF-8", encodeUserSig(Uint8Array.of(0x22, 0xff, 0xfe, 0x22))],
      ["JSON null", encodeUserSig("null")],
      ["a JSON array", encodeUserSig("[1,2,3]")],
      ...["TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire", "TLS.sig"].map((field): [string, string] => [
        `JSON without ${field}`,
        documentWith((document) => delete document[field]),
      ]),
      ["TLS.sdkappid as a string", documentWith((document) => (document["TLS.sdkappid"] = "1400000000"))],
      ["TLS.time as a fraction", documentWith((document) => (document["TLS.time"] = 1700000000.5))],
      ["TLS.expire as null", documentWith((document) => (document["TLS.expire"] = null))],
      ["TLS.identifier as a number", documentWith((document) => (document["TLS.identifier"] = 7))],
      ["TLS.sig that is not base64", documentWith((document) => (document["TLS.sig"] = "not base64!"))],
      [
        "an otherwise valid token longer than any UserSig (bounds what inflating can cost)",
        toUserSigAlphabet(
          deflateSync(JSON.stringify({ ...decodeUserSig(REFERENCE_USERSIG), pad: "x".repeat(4000) }), { level: 0 }).toString("base64"),
        ),
      ],
    ];
    it.each(cases)("%s", async (_, userSig) => {
      const result = await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: 1700000001 });
      expect(result).toEqual({ ok: false, reason: "corrupt", message: expect.stringMatching(/^UserSig \w/) });
    });

    it("a value that is not a string at all (untyped callers)", async () => {
      expect(await verifyUserSig(undefined as unknown as string, REFERENCE_VERIFY)).toMatchObject({ reason: "corrupt" });
    });

    it("the test's own documentWith() keeps a valid document valid (control)", async () => {
      const userSig = documentWith(() => {});
      expect(await verifyUserSig(userSig, { ...REFERENCE_VERIFY, now: 1700000001 })).toMatchObject({ ok: true });
    });
  });

  it.each([
    ["sdkAppId", { sdkAppId: -1 }],
    ["secretKey", { secretKey: "" }],
    ["identifier", { identifier: "" }],
    ["now", { now: Number.POSITIVE_INFINITY }],
  ])("rejects a bad `%s` option with a TimConfigError", async (name, override) => {
    await expect(verifyUserSig(REFERENCE_USERSIG, { ...REFERENCE_VERIFY, ...override })).rejects.toThrow(
      expect.objectContaining({ name: "TimConfigError", option: name, message: expect.stringContaining(`\`${name}\``) }),
    );
  });
});

describe("zlib stored blocks", () => {
  const bytesOfLength = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);

  it.each([0, 1, 300, 65535, 65536, 140_000])("stores %i bytes as a zlib stream Node inflates back", (length) => {
    const data = bytesOfLength(length);
    const stored = zlibStore(data);
    const blocks = Math.max(1, Math.ceil(length / 65535));
    expect(stored.length).toBe(2 + 5 * blocks + length + 4);
    expect(inflateSync(stored).equals(data)).toBe(true);
  });

  it("marks only the last of several blocks final", () => {
    const stored = zlibStore(bytesOfLength(65536));
    expect(stored[2]).toBe(0x00); // first block: BFINAL 0
    expect(stored[2 + 5 + 65535]).toBe(0x01); // second block: BFINAL 1
  });

  it("computes Adler-32 (RFC 1950 example: 'Wikipedia' = 0x11E60398)", () => {
    expect(adler32(new TextEncoder().encode("Wikipedia"))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    // Node checks the trailer against its own Adler-32, so this covers the modulo on a large input.
    expect(() => inflateSync(zlibStore(new Uint8Array(200_000).fill(0xff)))).not.toThrow();
  });

  it("inflates stored blocks and real deflate (fixed and dynamic Huffman) in plain JS", () => {
    const data = bytesOfLength(5000);
    expect(zlibInflate(zlibStore(data))).toEqual(data);
    expect(zlibInflate(new Uint8Array(deflateSync(data, { level: 9 })))).toEqual(data);
    const text = new TextEncoder().encode('{"TLS.ver":"2.0","TLS.identifier":"xiaojun"} '.repeat(40));
    expect(zlibInflate(new Uint8Array(deflateSync(text, { strategy: zlibConstants.Z_FIXED })))).toEqual(text);
    expect(zlibInflate(new Uint8Array(deflateSync(text, { strategy: zlibConstants.Z_DEFAULT_STRATEGY })))).toEqual(text);
  });

  it("agrees with Node's zlib on random data at every level", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), (bytes, level, repetitive) => {
        const input = repetitive ? new Uint8Array([...bytes, ...bytes, ...bytes]) : bytes;
        expect(zlibInflate(new Uint8Array(deflateSync(input, { level })))).toEqual(input);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects a truncated stream, a bad header, trailing bytes and a wrong checksum", () => {
    const stored = zlibStore(bytesOfLength(100));
    const deflated = new Uint8Array(deflateSync(bytesOfLength(1000), { level: 6 }));
    expect(() => zlibInflate(stored.slice(0, 50))).toThrow(/truncated/);
    expect(() => zlibInflate(deflated.slice(0, deflated.length - 10))).toThrow();
    expect(() => zlibInflate(Uint8Array.of(0x78, 0x02, 0, 0, 0, 0))).toThrow(/header/);
    expect(() => zlibInflate(Uint8Array.of(...stored, 0))).toThrow(/trailing/);
    const corrupt = stored.slice();
    corrupt[corrupt.length - 1]! ^= 1;
    expect(() => zlibInflate(corrupt)).toThrow(/Adler-32/);
  });
});

describe("base64 helpers", () => {
  const roundTripsLikeBuffer = (bytes: Uint8Array) => {
    const base64 = Buffer.from(bytes).toString("base64");
    expect(bytesToBase64(bytes)).toBe(base64);
    expect(base64ToBytes(base64)).toEqual(bytes);
  };

  it("match Node's Buffer for random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), roundTripsLikeBuffer), { numRuns: 200 });
  });

  it("match Node's Buffer for inputs longer than one 32 KiB slice", () => {
    roundTripsLikeBuffer(Uint8Array.from({ length: 0x8000 * 2 + 5 }, (_, i) => (i * 31) & 0xff));
  });

  it("map + / = to * - _ and back", () => {
    expect(toUserSigAlphabet("a+b/c==")).toBe("a*b-c__");
    expect(fromUserSigAlphabet("a*b-c__")).toBe("a+b/c==");
  });

  it("throw on input that is not base64", () => {
    expect(() => base64ToBytes("a=b")).toThrow();
  });
});
