export const NODE_VERSIONS: Record<22 | 24, string>;
export const DENO_VERSION: string;
export function nodeBinary(major: 22 | 24): string;
export function denoBinary(): string;
