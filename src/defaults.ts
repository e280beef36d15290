/** @module defaults — the option defaults, in one place (options.ts resolves them; credentials.ts falls back to them). */

/** IM's answers are small (a get_topic of 200 topics is tens of kB): 4 MiB bounds memory, not real answers. */
export const DEFAULTS = { maxRetries: 2, timeoutMs: 5000, userSigTtlSeconds: 86_400, maxResponseBytes: 4 * 1024 * 1024 } as const;
