export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}
type Spec = Record<string, any>;
export const SDK_SAMPLE_LANGUAGE: { key: string; label: string; lang: string };
export const FONT_STACK: { base: string[]; monospaced: string[] };
export function byteLimitText(n: number): string;
export function jsLiteral(value: unknown, indent?: string): string;
export function sdkSample(spec: Spec, operation: Spec): CodeSample;
export function operationsOf(spec: Spec): [path: string, method: string, operation: Spec & { operationId: string; "x-codeSamples"?: CodeSample[] }][];
export function docsSpec(spec: Spec): Spec;
