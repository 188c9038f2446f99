import type { ApiClient } from './api-client.js';
import type { ExitCode } from './exit-codes.js';

/**
 * Every option `sagactl` knows, for node:util parseArgs. One table for all commands, so that an
 * option's value is never taken for a command word; each command lists the ones it accepts.
 */
export const OPTIONS = {
  // Global: accepted by every command.
  output: { type: 'string', short: 'o' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  profile: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  // Per command.
  status: { type: 'string' },
  type: { type: 'string' },
  'created-from': { type: 'string' },
  'created-to': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  interval: { type: 'string' },
  'max-wait': { type: 'string' },
  key: { type: 'string' },
  input: { type: 'string' },
  version: { type: 'string' },
  reason: { type: 'string' },
  topic: { type: 'string' },
  'original-topic': { type: 'string' },
  replayed: { type: 'string' },
  pending: { type: 'boolean' },
  after: { type: 'string' },
  name: { type: 'string' },
  active: { type: 'string' },
  'ramp-version': { type: 'string' },
  percent: { type: 'string' },
  revision: { type: 'string' },
  query: { type: 'string', short: 'q' },
  'dry-run': { type: 'boolean' },
  'max-matched': { type: 'string' },
  step: { type: 'string' },
  wait: { type: 'boolean' },
} as const;

/** The name of an option, as written after `--`. */
export type OptionName = keyof typeof OPTIONS;

/** The options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'output',
  'url',
  'api-key',
  'profile',
  'timeout',
  'verbose',
  'help',
];

/** The option values of one command line, as parsed (strings and flags). */
export type OptionValues = Partial<Record<OptionName, string | boolean>>;

/** How answers are printed: the API's JSON as is, or columns for people. */
export type OutputFormat = 'json' | 'table';

/** What a command reads and writes besides the API: injected, so that tests need no terminal. */
export interface CliIo {
  /** Writes to stdout; a newline is added. */
  print(text: string): void;
  /** Writes to stderr; a newline is added. */
  warn(text: string): void;
  /** The text of a file (UTF-8); throws as node:fs does. */
  readText(path: string): string;
  /** The whole of stdin, as text. */
  readStdin(): Promise<string>;
  /** Resolves after `ms` milliseconds (`watch` polls with it, GETs wait to be tried again). */
  sleep(ms: number): Promise<void>;
  /** A monotonic time in ms (`watch --max-wait` measures with it). */
  now(): number;
}

/** One run of a command: its arguments and options, the API and the output. */
export interface CommandCall {
  readonly args: readonly string[];
  readonly options: OptionValues;
  readonly api: ApiClient;
  readonly output: OutputFormat;
  readonly io: CliIo;
  /** The command's usage line, for the errors it reports. */
  readonly usage: string;
}

/** A command of `sagactl`: its words, its synopsis, and what it does. */
export interface CommandSpec {
  /** `['list']`, or a group and its command: `['dlq', 'replay']`. */
  readonly words: readonly string[];
  /** What follows the words in the usage line, e.g. `<sagaId> --reason <text>`. */
  readonly synopsis: string;
  /** One line for `sagactl --help`. */
  readonly summary: string;
  /** Lines `sagactl <command> --help` adds after the summary, if any. */
  readonly details?: readonly string[];
  /** Positional arguments by name; a name ending in `?` is optional. */
  readonly args: readonly string[];
  /** The options it accepts besides the global ones. */
  readonly options: readonly OptionName[];
  /** Runs it; resolves with the exit code, or throws a CliError. */
  run(call: CommandCall): Promise<ExitCode>;
}

/** The usage line of `spec`. */
export function usageOf(spec: CommandSpec): string {
  return ['usage: sagactl', ...spec.words, spec.synopsis].filter((part) => part !== '').join(' ');
}
