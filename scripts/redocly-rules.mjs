/**
 * @module redocly-rules — project lint rules that Redocly's configurable rules cannot express.
 * `tim/max-length-within-bytes`: a string's `maxLength` (counted in code points by JSON Schema) must not exceed its
 * `x-maxBytes` (UTF-8 bytes), or Prism and the docs would admit strings the byte limit forbids.
 * `tim/enum-metadata-aligned`: every `x-enum-*` / `x-retryable` array lines up index for index with `enum`.
 * `tim/operation-metadata`: every operation's `x-` metadata (rate limit, idempotency, items, policies) is present and
 * consistent with its bodies and error codes; the checks live in scripts/lib/operation-metadata.mjs, which the
 * generator applies too; and the callbacks of `x-webhooks` (scripts/lib/callbacks.mjs).
 */
import { readOperationMetadata } from "./lib/operation-metadata.mjs";
import { listCallbacks } from "./lib/callbacks.mjs";
import { RETRY_CLASSES } from "./lib/retry-classes.mjs";
import { listOperations } from "./lib/spec.mjs";
function MaxLengthWithinBytes() {
  return {
    Schema: {
      enter(schema, ctx) {
        const bytes = schema["x-maxBytes"];
        if (bytes === undefined) return;
        if (!Number.isInteger(bytes) || bytes < 1) {
          ctx.report({ message: "`x-maxBytes` must be a positive integer.", location: ctx.location.child("x-maxBytes") });
          return;
        }
        if (schema.maxLength === undefined || schema.maxLength > bytes) {
          ctx.report({
            message: `\`maxLength\` (${schema.maxLength}) must be set and ≤ \`x-maxBytes\` (${bytes}).`,
            location: ctx.location.child("maxLength"),
          });
        }
      },
    },
  };
}

const ENUM_ARRAYS = ["x-enum-varnames", "x-enum-descriptions", "x-enum-descriptions-zh", "x-retryable"];

function EnumMetadataAligned() {
  return {
    Schema: {
      enter(schema, ctx) {
        if (!Array.isArray(schema.enum)) return;
        for (const key of ENUM_ARRAYS) {
          const values = schema[key];
          if (values === undefined) continue;
          if (!Array.isArray(values) || values.length !== schema.enum.length) {
            ctx.report({
              message: `\`${key}\` must have one entry per enum value (${schema.enum.length}).`,
              location: ctx.location.child(key),
            });
          }
        }
        const retry = schema["x-retryable"];
        if (Array.isArray(retry)) {
          retry.forEach((value, index) => {
            if (!RETRY_CLASSES.has(value)) {
              ctx.report({
                message: `\`x-retryable\` values are ${[...RETRY_CLASSES].join(" | ")}; got ${JSON.stringify(value)}.`,
                location: ctx.location.child(["x-retryable", index]),
              });
            }
          });
        }
      },
    },
  };
}

function OperationMetadata() {
  return {
    Root: {
      enter(root, ctx) {
        const entries = listOperations(root);
        for (const entry of entries) {
          for (const { at, message } of readOperationMetadata(root, entry, entries).problems) {
            ctx.report({ message, location: ctx.location.child([...entry.pointer, ...at]) });
          }
        }
        for (const { at, message } of listCallbacks(root).problems) ctx.report({ message, location: ctx.location.child(at) });
      },
    },
  };
}

export default function timPlugin() {
  return {
    id: "tim",
    rules: {
      oas3: {
        "max-length-within-bytes": MaxLengthWithinBytes,
        "enum-metadata-aligned": EnumMetadataAligned,
        "operation-metadata": OperationMetadata,
      },
    },
  };
}
