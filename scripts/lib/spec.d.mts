// Types of scripts/lib/spec.mjs for TypeScript callers (tests, benchmarks). The spec is plain data of open shape.
export type SpecNode = Record<string, any>;
export interface MediaEntry {
  pointer: (string | number)[];
  schema: SpecNode | undefined;
  examples: Record<string, SpecNode>;
}
export interface OperationEntry {
  operationId: string;
  path: string;
  method: string;
  operation: SpecNode;
  pointer: (string | number)[];
  request: MediaEntry | undefined;
  response: MediaEntry | undefined;
}
export const root: string;
export const specPath: string;
export function loadSpec(file?: string): SpecNode;
export function deref(spec: SpecNode, node: SpecNode): SpecNode;
export function listOperations(spec: SpecNode): OperationEntry[];
export function exampleValues(entry: OperationEntry, kind: "request" | "response"): Record<string, any>;
export function pointer(segments: (string | number)[]): string;
