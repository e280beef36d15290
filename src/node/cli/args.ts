/**
 * @module cli/args — the command line: each command's options (node:util `parseArgs`, built in: no dependency for
 * the library's users to install), its help text, and the usage errors (exit 2) that name the option at fault.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how the command was called: exit 2, with one line that names the option. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every command takes. */
const COMMON: Options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
/** Options of the commands that call IM (not of the local servers, which have nowhere to send to). */
const SERVICE: Options = {
  "base-url": { type: "string" },
  region: { type: "string" },
};
const SERVICE_HELP = `  --base-url URL    send to this origin (an emulator, a mock, a proxy) instead of a region host
  --region R        the data centre of the SDKAppID (cn, sgp, kr, ger, ind, usa, idn, jpn; default cn)`;
const COMMON_HELP = `  --json            machine-readable output on stdout, and nothing else there
  -h, --help        this help`;
const CREDENTIALS_HELP = `Credentials come from the environment, never from the command line (where \`ps\` would show them):
  TIM_SDKAPPID, TIM_IDENTIFIER (an App admin; default administrator), TIM_SECRET_KEY`;

/** The most calls `import` keeps in flight by default: its --rate, up to this. */
export const MAX_DEFAULT_CONCURRENCY = 1000;

/** The topic profile fields, as options, shared by create and modify. */
const PROFILE: Options = {
  name: { type: "string" },
  from: { type: "string" },
  "custom-string": { type: "string" },
  "face-url": { type: "string" },
  notification: { type: "string" },
  introduction: { type: "string" },
};
const PROFILE_FIELDS = { name: "TopicName", from: "From_Account", "custom-string": "CustomString", "face-url": "FaceUrl", notification: "Notification", introduction: "Introduction" } as const;

export interface Command {
  summary: string;
  usage: string;
  options: Options;
  details?: string;
  /** Sends nothing to IM: no --base-url/--region. */
  local?: true;
  /** Its credential rules are its own (in `details`), not IM's. */
  ownCredentials?: true;
}

export const COMMANDS: Record<string, Command> = {
  create: {
    summary: "create a topic (create_topic)",
    usage: "create --group G --name N [--id ID] [--from ACC] [--custom-string S] [--face-url U] [--notification S] [--introduction S]",
    options: { group: { type: "string" }, id: { type: "string" }, ...PROFILE },
    details: "  --id ID           your own TopicId (GroupId@TOPIC#_yourpart): makes a retried create safe",
  },
  get: {
    summary: "show topics of a group (get_topic)",
    usage: "get --group G [--topic ID]... [--filter FIELD]...",
    options: { group: { type: "string" }, topic: { type: "string", multiple: true }, filter: { type: "string", multiple: true }, from: { type: "string" } },
    details: "  --from ACC        whose SelfInfo to read (default: the identifier)",
  },
  modify: {
    summary: "rename, mute or re-announce a topic (modify_topic)",
    usage: "modify --group G --topic ID [--name N] [--mute on|off] [--from ACC] [--custom-string S] [--face-url U] [--notification S] [--introduction S]",
    options: { group: { type: "string" }, topic: { type: "string" }, mute: { type: "string" }, ...PROFILE },
  },
  destroy: {
    summary: "delete topics (destroy_topic)",
    usage: "destroy --group G --topic ID... | --all",
    options: { group: { type: "string" }, topic: { type: "string", multiple: true }, all: { type: "boolean" }, rate: { type: "string" } },
    details:
      "  --all             every topic of the group, read first with get_topic, then destroyed in batches at IM's rate\n" +
      "                    limit, with progress; Ctrl-C stops after the batches on the wire and says what was destroyed\n" +
      "  --rate N          calls per second (default: the spec's limit)",
  },
  import: {
    summary: "import topics from a JSON Lines file, resumably (import_topic)",
    usage: "import --file FILE.jsonl [--journal FILE] [--concurrency N] [--rate N] [--accept-uncertain LINES] [--resend-uncertain LINES]",
    options: {
      file: { type: "string" },
      journal: { type: "string" },
      concurrency: { type: "string" },
      rate: { type: "string" },
      "accept-uncertain": { type: "string", multiple: true },
      "resend-uncertain": { type: "string", multiple: true },
    },
    details: `  --file FILE       one import_topic body per line (GroupId, TopicName, TopicId?, CreateTime?, …)
  --journal FILE    where progress is kept (default FILE.journal); a re-run skips what is done. One run at a
                    time per journal (FILE.journal.lock)
  --concurrency N   calls in flight (default: as --rate, at most ${MAX_DEFAULT_CONCURRENCY}: the rate, not the latency, sets the pace)
  --rate N          calls per second (default: the spec's limit, 200)
  --accept-uncertain all|N[,N…]
                    lines reported uncertain by an earlier run that you checked are in IM (or do not want):
                    recorded as settled, never sent
  --resend-uncertain all|N[,N…]
                    lines reported uncertain by an earlier run that you checked are not in IM: sent again

A line with its own TopicId is imported exactly once, however often the import is re-run. A line without one whose
attempt may have been applied (its answer was lost) is reported as uncertain and not sent again until you decide.
Exit 0 when every line is imported (or settled); 1 when a line failed, is invalid, is uncertain, or was not reached.`,
  },
  usersig: {
    summary: "sign a UserSig for the identifier, or verify one",
    usage: "usersig [--expire SECONDS] | usersig verify SIG",
    options: { expire: { type: "string" } },
    details: "  --expire SECONDS  how long the UserSig is valid (default 86400)\n\n  Signs locally with TIM_SECRET_KEY: nothing is sent.",
    local: true,
  },
  emulator: {
    summary: "serve the local IM emulator over HTTP on 127.0.0.1",
    usage: "emulator [--port N]",
    options: { port: { type: "string" } },
    details: "  --port N          the port on 127.0.0.1 (default: a free one)\n\n  Runs until Ctrl-C. Its credentials: TIM_SDKAPPID (default 1400000000), TIM_SECRET_KEY (required), TIM_IDENTIFIER.",
    local: true,
    ownCredentials: true,
  },
  mock: {
    summary: "serve a Prism mock of the packaged spec on 127.0.0.1 (needs @stoplight/prism-cli installed)",
    usage: "mock [--port N]",
    options: { port: { type: "string" } },
    details: "  --port N          the port on 127.0.0.1 (default 4010)\n\n  Runs until Ctrl-C. Needs no credentials: Prism answers with the spec's examples.",
    local: true,
    ownCredentials: true,
  },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `tim-topics — Tencent Cloud IM Community topics from the command line

Usage: tim-topics <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join("\n")}

Options of every command:
${COMMON_HELP}
and of every command that calls IM (not usersig, emulator, mock):
${SERVICE_HELP}

${CREDENTIALS_HELP}

Exit codes: 0 done, 1 some work failed, 2 usage error. \`tim-topics <command> --help\` (or \`tim-topics help <command>\`)
for a command; \`tim-topics --version\` for the version.`;
}

export function commandHelp(name: string): string {
  const command = COMMANDS[name]!;
  return `tim-topics ${command.usage}

${command.summary}.
${command.details ? `\n${command.details}\n` : ""}
${command.local ? "" : `${SERVICE_HELP}\n`}${COMMON_HELP}${command.ownCredentials ? "" : `\n\n${CREDENTIALS_HELP}`}`;
}

export interface Parsed {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(argv: readonly string[]): Parsed | { help: string } | { version: true } {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-V") return { version: true };
  if (command === "help" && rest[0] !== undefined) {
    if (!COMMANDS[rest[0]]) throw new UsageError(`help: unknown command \`${rest[0]}\` (commands: ${Object.keys(COMMANDS).join(", ")})`);
    return { help: commandHelp(rest[0]) };
  }
  if (!command || command === "--help" || command === "-h" || command === "help") return { help: mainHelp() };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command \`${command}\` (commands: ${Object.keys(COMMANDS).join(", ")})`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...COMMON, ...(spec.local ? {} : SERVICE), ...spec.options }, allowPositionals: command === "usersig", strict: true });
  } catch (error) {
    // parseArgs names the option in its message ("Unknown option '--nmae'").
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  if (parsed.values.help) return { help: commandHelp(command) };
  return { command, values: parsed.values as Parsed["values"], positionals: parsed.positionals };
}

/** The string value of `--name`, required. */
export function required(parsed: Parsed, name: string): string {
  const value = parsed.values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`${parsed.command}: --${name} is required (see \`tim-topics ${parsed.command} --help\`)`);
  return value;
}

/** A positive integer option, or its default. */
export function integer(parsed: Parsed, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = parsed.values[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${parsed.command}: --${name} must be an integer from 1 to ${max}`);
  return n;
}

/** `all`, or line numbers (`--name 3,17 --name 40`); undefined when the option is absent. */
export function lineSelection(parsed: Parsed, name: string): "all" | Set<number> | undefined {
  const values = parsed.values[name] as string[] | undefined;
  if (!values?.length) return undefined;
  if (values.includes("all")) {
    if (values.length > 1) throw new UsageError(`${parsed.command}: --${name} all goes alone`);
    return "all";
  }
  const lines = new Set<number>();
  for (const part of values.flatMap((v) => v.split(","))) {
    const n = Number(part.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${parsed.command}: --${name} takes \`all\` or line numbers (3,17,40), not \`${part}\``);
    lines.add(n);
  }
  return lines;
}

/** The request fields of the profile options that were given. */
export function profileFields(parsed: Parsed): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [option, field] of Object.entries(PROFILE_FIELDS)) {
    const value = parsed.values[option];
    if (typeof value === "string") fields[field] = value;
  }
  return fields;
}
