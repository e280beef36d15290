/** @module redact — the one way text is made safe to show: `usersig` values by name, and given secrets by value. */

/** Replaces the value of `usersig` (and any given secret) in a URL or text, so it can be logged. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([?&]usersig=)[^&#\s]*/gi, "$1[REDACTED]");
  for (const secret of secrets) if (secret) out = out.split(secret).join("[REDACTED]");
  return out;
}

/**
 * A safe stand-in for a foreign error: the name, code and redacted message of its root cause (undici's "fetch failed"
 * keeps the useful part, e.g. "connect ECONNREFUSED …", in `cause`), without a stack that could hold a URL.
 */
export function scrubCause(error: unknown, secrets: readonly string[]): Error {
  let root = error as { name?: string; message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && root?.cause; depth++) root = root.cause as typeof root;
  const { name, message, code } = root ?? {};
  const clean = new Error(redact(String(message ?? error), secrets));
  clean.name = name ?? "Error";
  if (code) Object.assign(clean, { code });
  return clean;
}
