/**
 * @module lazy-chunk — a part of the package that loads on first use (a dynamic `import()`), made to misbehave for one
 * test, as a browser meets a chunk that fails or stalls: a fresh copy of the package is imported with that module
 * faked. Paths are from the repository root (`"src/rate-limit.js"`). Undo with `restoreChunks()` after each test.
 */
import { vi } from "vitest";

const root = new URL("../../", import.meta.url);
const faked = new Set<string>();

/** How the chunk behaves: every load fails, only the first does, it never arrives, or it arrives once `gate` settles. */
export type ChunkFault = "fails" | "fails once" | "never arrives" | { readonly gate: Promise<unknown> };

/** `entry` imported anew with `chunk` faked; `loads()` counts the attempts to load the chunk. */
export async function importWithChunk<T>(chunk: string, fault: ChunkFault, entry = "src/index.js"): Promise<{ fresh: T; loads: () => number }> {
  vi.resetModules();
  const path = new URL(chunk, root).pathname;
  let loads = 0;
  vi.doMock(path, async (importOriginal) => {
    loads++;
    if (fault === "never arrives") return new Promise(() => {});
    if (fault === "fails" || (fault === "fails once" && loads === 1)) throw new Error("chunk did not arrive");
    if (typeof fault === "object") await fault.gate;
    return importOriginal();
  });
  faked.add(path);
  return { fresh: (await import(new URL(entry, root).href)) as T, loads: () => loads };
}

/** The module registry forgets a failed load, as a browser fetches a chunk again after it failed. */
export const forgetFailedLoads = () => vi.resetModules();

/** Undoes every fake. */
export function restoreChunks(): void {
  for (const path of faked) vi.doUnmock(path);
  faked.clear();
  vi.resetModules();
}
