import type { OperationEntry, SpecNode } from "./spec.mjs";
export const OPERATION_EXTENSIONS: Set<string>;
export function errorCodesOf(spec: SpecNode, operationId: string): Set<number>;
export function readOperationMetadata(spec: SpecNode, entry: OperationEntry, allEntries: OperationEntry[]): { descriptor: SpecNode; problems: { at: string[]; message: string }[] };
