export const SNIPPET_COMPILER_OPTIONS: Record<string, unknown>;
export function extractTsBlocks(markdown: string): { line: number; code: string; skip: string | undefined }[];
export interface Snippet {
  file: string;
  line: number;
  code: string;
}
export function typecheckSnippets(snippets: Snippet[]): Promise<{ where: string; code: string; message: string }[]>;
export function readmeSnippets(readmePath?: string): Promise<{ checked: Snippet[]; skipped: { file: string; line: number; reason: string }[] }>;
