export function freePort(): Promise<number>;
export function startPrism(options?: { port?: number; timeoutMs?: number; errors?: boolean }): Promise<{
  url: string;
  port: number;
  stop: () => Promise<void>;
  log: () => string;
}>;
