/**
 * @module retry-classes — the values `x-retryable` may take, for the lint rule and the generator. src/retry-policy.ts
 * says what each means (its `RetryClass`), and src/api-error.ts checks the generated rows against that type.
 */
export const RETRY_CLASSES = new Set(["transient", "rate-limit", "resign", "never"]);
