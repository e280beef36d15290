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
  "base-url": { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
const COMMON_HELP = `  --base-url URL    send to this origin (an emulator, a mock, a proxy) instead of a region host
  --region R        the data centre of the SDKAppID (cn, sgp, kr, ger, ind, usa, idn, jpn; default cn)
  --json            machine-readable output on stdout, and nothing else there
  -h, --help        this help

Credentials come from the environment, never from the command line (where \`ps\` would show them):
  TIM_SDKAPPID, TIM_IDENTIFIER (an App admin; default administrator), TIM_SECRET_KEY`;

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
    details: "  --all             every topic of the group, read first with get_topic, at IM's rate limit\n  --rate N          calls per second (default: the spec's limit)",
  },
  import: {
    summary: "import topics from a JSON Lines file, resumably (import_topic)",
    usage: "import --file FILE.jsonl [--journal FILE] [--concurrency N] [--rate N]",
    options: { file: { type: "string" }, journal: { type: "string" }, concurrency: { type: "string" }, rate: { type: "string" } },
    details: `  --file FILE       one import_topic body per line (GroupId, TopicName, TopicId?, CreateTime?, …)
  --journal FILE    where progress is kept (default FILE.journal); a re-run skips what is done
  --concurrency N   calls in flight (default 32)
  --rate N          calls per second (default: the spec's limit, 200)

A line with its own TopicId is imported exactly once, however often the import is re-run. A line without one whose
attempt may have been applied (its answer was lost) is reported and never sent again.`,
  },
  usersig: {
    summary: "sign a UserSig for the identifier, or verify one",
    usage: "usersig [--expire SECONDS] | usersig verify SIG",
    options: { expire: { type: "string" } },
  },
  emulator: {
    summary: "serve the local IM emulator over HTTP on 127.0.0.1",
    usage: "emulator [--port N]",
    options: { port: { type: "string" } },
    details: "  Runs until Ctrl-C. Its credentials: TIM_SDKAPPID (default 1400000000), TIM_SECRET_KEY (required), TIM_IDENTIFIER.",
  },
  mock: {
    summary: "serve a Prism mock of the packaged spec on 127.0.0.1 (needs @stoplight/prism-cli installed)",
    usage: "mock [--port N]",
    options: { port: { type: "string" } },
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

Exit codes: 0 done, 1 some work failed, 2 usage error. \`tim-topics <command> --help\` for a command.`;
}

export function commandHelp(name: string): string {
  const command = COMMANDS[name]!;
  return `tim-topics ${command.usage}

${command.summary}.
${command.details ? `\n${command.details}\n` : ""}
${COMMON_HELP}`;
}

export interface Parsed {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(argv: readonly string[]): Parsed | { help: string } {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") return { help: mainHelp() };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command \`${command}\` (commands: ${Object.keys(COMMANDS).join(", ")})`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...COMMON, ...spec.options }, allowPositionals: command === "usersig", strict: true });
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

/** The request fields of the profile options that were given. */
export function profileFields(parsed: Parsed): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [option, field] of Object.entries(PROFILE_FIELDS)) {
    const value = parsed.values[option];
    if (typeof value === "string") fields[field] = value;
  }
  return fields;
}
