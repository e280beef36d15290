export const root: string;
export const distEntry: string;
export function build(options?: { quiet?: boolean }): number;
