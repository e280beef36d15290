/**
 * Property-based tests of request validation (fast-check). For every byte-limited field of every operation (read from
 * the generated request rules), at least 10 000 strings mixing ASCII, 2-byte letters, CJK, emoji and lone surrogates,
 * concentrated around the field's limit: `validateRequest` must agree with an independent oracle (Buffer.byteLength
 * on well-formed strings, code points by iteration, the spec's pattern), throw `TimValidationError` naming the field
 * for every invalid input, and accept every valid one. Then generated TopicIds against the custom-ID rules of every
 * operation that takes a custom TopicId (`x-custom-topic-id`), with an oracle written here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { operationIds, type OperationId } from "../generated/operations.js";
import { requestRules } from "../generated/request-rules.js";
import { TimValidationError } from "../src/errors.js";
import { validateRequest, type FieldRule, type StringRule } from "../src/validate.js";
import { basicBody } from "./helpers/fixtures.js";
import { limitedFields } from "./helpers/limits.js";

const RUNS = 10_000;

/** A valid body of each operation (its basic example), into which one field's value is swapped. */
const baseBodies = Object.fromEntries(operationIds.map((operation) => [operation, basicBody(operation)])) as Record<OperationId, Record<string, unknown>>;
const groupOf = (operation: OperationId) => baseBodies[operation].GroupId as string;
/** Operations with a custom-ID field, and its rules. */
const customIdFields = operationIds.flatMap((operation) =>
  Object.entries(requestRules[operation].fields as Record<string, FieldRule>).flatMap(([name, rule]) =>
    rule.type === "string" && rule.customTopicId ? [{ operation, name, rule, custom: rule.customTopicId }] : [],
  ),
);
const SEPARATOR = customIdFields[0]!.custom.separator;

// ---------- independent oracle ----------

/** Well-formed UTF-16 (no lone surrogate) iff it survives a UTF-8 round trip: Buffer replaces lone surrogates. */
const isWellFormed = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s;
const codePoints = (s: string) => [...s].length;
const isPrintableAscii = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).every((unit) => unit >= 0x20 && unit <= 0x7e);

/** The rules a value breaks, by the names validateRequest uses; empty when valid. */
function violations(rule: StringRule, value: string, maxBytes: number, GROUP: string): string[] {
  if (!isWellFormed(value)) return ["loneSurrogate"];
  const broken: string[] = [];
  if (Buffer.byteLength(value, "utf8") > maxBytes) broken.push("maxBytes");
  if (rule.minLength !== undefined && codePoints(value) < rule.minLength) broken.push("minLength");
  if (rule.maxLength !== undefined && codePoints(value) > rule.maxLength) broken.push("maxLength");
  if (rule.pattern && !rule.pattern.test(value)) broken.push("pattern");
  if (rule.customTopicId) {
    const prefix = `${GROUP}${rule.customTopicId.separator}`;
    if (!value.startsWith(prefix) || value.length === prefix.length) broken.push("topicIdPrefix");
    else if (rule.customTopicId.forbiddenAfterGroupId.some((f) => value.slice(GROUP.length).includes(f))) broken.push("topicIdForbidden");
  }
  return broken;
}

// ---------- generators ----------

const fromCodes = (min: number, max: number) => fc.integer({ min, max }).map((code) => String.fromCodePoint(code));
const printable = fromCodes(0x20, 0x7e);
/** Characters of every UTF-8 width (no surrogates: those are added on purpose below). */
const mixedChar = fc.oneof(
  { arbitrary: printable, weight: 6 },
  { arbitrary: fromCodes(0x00, 0x1f), weight: 1 }, // control characters, 1 byte
  { arbitrary: fromCodes(0x80, 0x7ff), weight: 3 }, // é, ß, Cyrillic, Arabic: 2 bytes
  { arbitrary: fromCodes(0x4e00, 0x9fff), weight: 4 }, // CJK: 3 bytes
  { arbitrary: fc.oneof(fromCodes(0x800, 0xd7ff), fromCodes(0xe000, 0xffff)), weight: 2 }, // other BMP: 3 bytes
  { arbitrary: fc.oneof(fromCodes(0x1f300, 0x1faff), fromCodes(0x10000, 0x10ffff)), weight: 3 }, // emoji, astral: 4 bytes
);
/** One unpaired surrogate code unit (String.fromCodePoint(0xd800) is a lone high surrogate). */
const loneSurrogate = fc.oneof(fromCodes(0xd800, 0xdbff), fromCodes(0xdc00, 0xdfff));
const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * Strings of `prefix` + characters whose UTF-8 size lands near `limit` (within ±8 bytes most of the time, anywhere in
 * [0, limit + 24] otherwise), from a cycle of generated characters, sometimes with a lone surrogate spliced in.
 */
function nearLimit(limit: number, prefix: string, chars: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const target = fc.oneof(
    { arbitrary: fc.integer({ min: Math.max(0, limit - 8), max: limit + 8 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: limit + 24 }), weight: 1 },
  );
  return fc
    .record({
      target,
      cycle: fc.array(chars, { minLength: 1, maxLength: 48 }),
      lone: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.tuple(loneSurrogate, fc.nat()), weight: 1 }),
      exact: fc.boolean(), // stop at or just under the target instead of just over it
    })
    .map(({ target, cycle, lone, exact }) => {
      const sizes = cycle.map(utf8Bytes);
      let out = prefix;
      for (let i = 0, bytes = utf8Bytes(prefix); bytes < target; i++) {
        const size = sizes[i % cycle.length]!;
        if (exact && bytes + size > target) break;
        out += cycle[i % cycle.length]!;
        bytes += size;
      }
      if (lone) {
        const [surrogate, at] = lone;
        const position = prefix.length + (at % (out.length - prefix.length + 1));
        out = out.slice(0, position) + surrogate + out.slice(position);
      }
      return out;
    });
}

/** The prefix that makes a patterned (ID) field plausible: a topic ID of the body's group, or a Community ID. */
const idPrefix = (rule: StringRule, operation: OperationId) =>
  rule.customTopicId || rule.pattern!.source.includes("@TOPIC#_") ? `${groupOf(operation)}${SEPARATOR}` : "@TGS#_";

/** Values for one field: patterned (printable-ASCII) fields get their prefix and mostly ASCII, others any mix. */
function valuesFor({ rule, maxBytes, operation }: (typeof limitedFields)[number]): fc.Arbitrary<string> {
  if (!rule.pattern) return nearLimit(maxBytes, "", mixedChar);
  const prefix = idPrefix(rule, operation);
  const mostlyAscii = fc.oneof({ arbitrary: printable, weight: 12 }, { arbitrary: mixedChar, weight: 1 });
  return fc.oneof({ arbitrary: nearLimit(maxBytes, prefix, mostlyAscii), weight: 9 }, { arbitrary: nearLimit(maxBytes, "", mixedChar), weight: 1 });
}

describe("byte-limited fields", () => {
  it("covers a byte-limited field of every operation", () => {
    expect(new Set(limitedFields.map((f) => f.operation))).toEqual(new Set(operationIds));
  });

  it.each(limitedFields.map((field) => [`${field.operation}.${field.path} (≤ ${field.maxBytes} bytes)`, field] as const))(
    "%s: validateRequest agrees with the oracle on 10 000 strings",
    (_, field) => {
      let valid = 0;
      let invalid = 0;
      const rulesSeen = new Set<string>();
      fc.assert(
        fc.property(valuesFor(field), (value) => {
          const body = { ...baseBodies[field.operation], [field.name]: field.isItem ? [value] : value };
          const expectedPath = field.isItem ? `${field.name}[0]` : field.name;
          const broken = violations(field.rule, value, field.maxBytes, groupOf(field.operation));
          let thrown: unknown;
          try {
            validateRequest(field.operation, body);
          } catch (error) {
            thrown = error;
          }
          if (broken.length === 0) {
            valid++;
            expect(thrown, `valid ${JSON.stringify(value)} rejected`).toBeUndefined();
            return;
          }
          invalid++;
          expect(thrown, `invalid ${JSON.stringify(value)} (${broken}) accepted`).toBeInstanceOf(TimValidationError);
          const error = thrown as TimValidationError;
          expect(error.field).toBe(expectedPath);
          expect(error.operation).toBe(field.operation);
          expect(broken).toContain(error.rule);
          rulesSeen.add(error.rule);
          if (error.rule === "maxBytes") {
            expect(error.limit).toBe(field.maxBytes);
            expect(error.actual).toBe(utf8Bytes(value));
          }
        }),
        { numRuns: RUNS },
      );
      // The generator must exercise both sides of the limit, or the property proves little.
      expect(valid).toBeGreaterThan(RUNS / 10);
      expect(invalid).toBeGreaterThan(RUNS / 10);
      expect(rulesSeen).toContain("maxBytes");
      expect(rulesSeen).toContain("loneSurrogate");
    },
    30_000,
  );

  it("a lone surrogate is refused even where its U+FFFD replacement would fit", () => {
    for (const { operation, name, isItem, maxBytes, rule } of limitedFields) {
      const prefix = rule.pattern ? idPrefix(rule, operation) : "";
      const value = `${prefix}a\uD800`;
      expect(utf8Bytes(value)).toBeLessThanOrEqual(maxBytes);
      expect(() => validateRequest(operation, { ...baseBodies[operation], [name]: isItem ? [value] : value })).toThrow(
        expect.objectContaining({ name: "TimValidationError", rule: "loneSurrogate", field: isItem ? `${name}[0]` : name }),
      );
    }
  });
});

// ---------- custom TopicIds ----------

const GROUP = groupOf("createTopic");

/** The custom TopicId rules (tencent-im.md §3.1), written out: GroupId + separator + a printable-ASCII custom part,
 * nothing after the GroupId holding a forbidden substring (so no forged "@TOPIC#_@TOPIC#"), the whole ≤ the byte limit. */
function topicIdOracle(groupId: string, topicId: string, { separator, forbiddenAfterGroupId }: (typeof customIdFields)[number]["custom"], topicIdMaxBytes: number): boolean {
  const prefix = groupId + separator;
  if (!topicId.startsWith(prefix) || topicId.length === prefix.length) return false;
  if (!isPrintableAscii(topicId)) return false;
  if (Buffer.byteLength(topicId, "utf8") > topicIdMaxBytes) return false;
  const afterGroupId = topicId.slice(groupId.length);
  return !forbiddenAfterGroupId.some((forbidden) => afterGroupId.includes(forbidden));
}

describe.each(customIdFields.map((f) => [`${f.operation}.${f.name}`, f] as const))("custom TopicIds of %s", (_, { operation, name, rule, custom }) => {
  const { prefixFrom, separator, forbiddenAfterGroupId } = custom;
  const topicIdMaxBytes = rule.maxBytes!;
  const groupMaxBytes = (requestRules[operation].fields as Record<string, StringRule>)[prefixFrom]!.maxBytes!;
  const body = (groupId: string, topicId: string) => ({ ...baseBodies[operation], [prefixFrom]: groupId, [name]: topicId });
  it("reads its rules from the spec", () => {
    expect(prefixFrom).toBe("GroupId");
    expect(separator.length).toBeGreaterThan(0);
    expect(forbiddenAfterGroupId.length).toBeGreaterThan(0);
  });

  const groupIds = fc.oneof(
    fc.constant(GROUP),
    fc.string({ unit: printable, minLength: 1, maxLength: groupMaxBytes - 6 }).map((rest) => `@TGS#_${rest}`),
  );
  /** Custom parts built from printable ASCII and the pieces the rules are about, sometimes with a stray non-ASCII. */
  const token = fc.oneof(
    { arbitrary: printable, weight: 20 },
    { arbitrary: fc.constantFrom(...forbiddenAfterGroupId), weight: 2 },
    { arbitrary: fc.constantFrom(separator, "@TGS#", "@TOPIC#", "@", "#", "_", " "), weight: 4 },
    { arbitrary: mixedChar, weight: 1 },
    { arbitrary: loneSurrogate, weight: 1 },
  );
  const topicIds = fc
    .record({
      groupId: groupIds,
      custom: fc.array(token, { minLength: 0, maxLength: 90 }),
      // how the prefix is written: right, with another group, without the separator, or cut short
      prefix: fc.constantFrom("right", "right", "right", "right", "other-group", "no-separator", "cut"),
    })
    .map(({ groupId, custom, prefix }) => {
      const head =
        prefix === "right" ? groupId + separator : prefix === "other-group" ? `${groupId}x${separator}` : prefix === "no-separator" ? groupId : (groupId + separator).slice(0, -1);
      return { groupId, topicId: head + custom.join("") };
    });

  it("validateRequest accepts exactly the TopicIds the oracle accepts (10 000 generated)", () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(topicIds, ({ groupId, topicId }) => {
        const expected = topicIdOracle(groupId, topicId, custom, topicIdMaxBytes);
        let thrown: unknown;
        try {
          validateRequest(operation, body(groupId, topicId));
        } catch (error) {
          thrown = error;
        }
        if (expected) {
          valid++;
          expect(thrown, `valid TopicId ${JSON.stringify(topicId)} rejected`).toBeUndefined();
        } else {
          invalid++;
          expect(thrown, `invalid TopicId ${JSON.stringify(topicId)} accepted`).toBeInstanceOf(TimValidationError);
          expect((thrown as TimValidationError).field).toBe(name);
        }
      }),
      { numRuns: RUNS },
    );
    expect(valid).toBeGreaterThan(RUNS / 10);
    expect(invalid).toBeGreaterThan(RUNS / 10);
  });

  it.each([
    ["the documented example", `${GROUP}${separator}TestTopic`, true],
    ["a space in the custom part", `${GROUP}${separator}my topic`, true],
    ["exactly the byte limit", `${GROUP}${separator}`.padEnd(topicIdMaxBytes, "x"), true],
    ["one byte over", `${GROUP}${separator}`.padEnd(topicIdMaxBytes + 1, "x"), false],
    ["an empty custom part", `${GROUP}${separator}`, false],
    ["another group's prefix", `@TGS#_other${separator}x`, false],
    ["non-ASCII in the custom part", `${GROUP}${separator}话题`, false],
    ["a tab in the custom part", `${GROUP}${separator}a\tb`, false],
    ...forbiddenAfterGroupId.map((forbidden) => [`"${forbidden}" in the custom part`, `${GROUP}${separator}a${forbidden}b`, false] as const),
  ] as const)("%s", (_, topicId, valid) => {
    expect(topicIdOracle(GROUP, topicId, custom, topicIdMaxBytes)).toBe(valid);
    const check = () => validateRequest(operation, body(GROUP, topicId));
    if (valid) expect(check).not.toThrow();
    else expect(check).toThrow(TimValidationError);
  });
});
