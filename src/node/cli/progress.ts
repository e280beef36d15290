/**
 * @module cli/progress — how far a bulk command is, on stderr: a bar redrawn in place on a terminal, a plain line
 * every few seconds otherwise (CI logs), nothing with `--json`. Hand-written: a dozen lines, where a progress
 * library would be a dependency of every user of the package.
 */
export interface Progress {
  tick(done: number): void;
  end(): void;
}

export function progress(total: number, label: string, mode: "tty" | "lines" | "off", stream: NodeJS.WritableStream = process.stderr): Progress {
  if (mode === "off" || total === 0) return { tick() {}, end() {} };
  const started = Date.now();
  let last = 0;
  const line = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    return `${label} ${done}/${total} (${Math.floor((100 * done) / total)} %, ${rate}/s)`;
  };
  return {
    tick(done) {
      const now = Date.now();
      if (mode === "tty") {
        if (now - last < 100 && done < total) return;
        last = now;
        const width = 30;
        const filled = Math.round((width * done) / total);
        stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line(done)}`);
      } else if (now - last >= 2000 || done === total) {
        last = now;
        stream.write(`${line(done)}\n`);
      }
    },
    end() {
      if (mode === "tty") stream.write("\n");
    },
  };
}
