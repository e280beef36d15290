export const BROWSER_NAMES: string[];
export const FALLBACK_DIRS: string[];
export const RECORD_PATH: string;
export const APT_INSTALL: string[];
type Env = Record<string, string | undefined>;
export function isExecutable(file: string): boolean;
export function searchDirs(env: Env): string[];
export function findCommand(name: string, options: { env: Env; exists?: (file: string) => boolean }): string | undefined;
export function findBrowser(options: { env: Env; exists?: (file: string) => boolean }): { path: string; source: string; invalid?: undefined } | { invalid: string; path?: undefined } | undefined;
export type BrowserPlan =
  | { action: "skip"; line: string }
  | { action: "use"; path: string; line: string }
  | { action: "install"; commands: string[]; line: string }
  | { action: "stop"; line: string };
export function planBrowser(options: { env: Env; exists?: (file: string) => boolean; isRoot: boolean }): BrowserPlan;
export function browserPath(env?: Env): string | undefined;
