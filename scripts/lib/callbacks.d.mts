import type { SpecNode } from "./spec.mjs";
export interface CallbackEntry {
  command: string;
  handler: string;
  kind: "before" | "after";
  operation: SpecNode;
  pointer: string[];
  body: { schema: SpecNode; name: string; examples: Record<string, Record<string, unknown>> };
}
export function listCallbacks(spec: SpecNode): { entries: CallbackEntry[]; problems: { at: string[]; message: string }[] };
