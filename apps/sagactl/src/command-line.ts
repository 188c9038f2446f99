import { parseArgs } from 'node:util';
import {
  GLOBAL_OPTIONS,
  OPTIONS,
  usageOf,
  type CommandSpec,
  type OptionName,
  type OptionValues,
} from './command-spec.js';
import { UsageError } from './exit-codes.js';

/** A command line read: help to print, or a command to run with its arguments and options. */
export type CommandLine =
  | { readonly kind: 'help'; readonly spec?: CommandSpec }
  | {
      readonly kind: 'run';
      readonly spec: CommandSpec;
      readonly args: readonly string[];
      readonly options: OptionValues;
    };

/** The general usage line, printed with an error that no command's own usage explains. */
export const GENERAL_USAGE = "usage: sagactl <command> [options]  (see 'sagactl --help')";

/**
 * Reads `argv` (without node and the script) against `commands`: the command's words, its
 * positional arguments and options. Throws a UsageError naming what is wrong: an unknown
 * command or option, an option the command does not take, too few or too many arguments.
 */
export function readCommandLine(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): CommandLine {
  const { values, positionals, tokens } = parseStrictly(argv);
  const options = values as OptionValues;
  const spec = findCommand(positionals, commands, options.help === true);
  if (spec === undefined) return { kind: 'help' };
  if (options.help === true) return { kind: 'help', spec };
  const usage = usageOf(spec);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const name = token.name as OptionName;
    if (!GLOBAL_OPTIONS.includes(name) && !spec.options.includes(name)) {
      throw new UsageError(
        `'sagactl ${spec.words.join(' ')}' takes no option ${token.rawName}`,
        usage,
      );
    }
  }
  const args = positionals.slice(spec.words.length);
  const required = spec.args.filter((name) => !name.endsWith('?'));
  if (args.length < required.length) {
    throw new UsageError(`missing <${required[args.length]}>`, usage);
  }
  if (args.length > spec.args.length) {
    throw new UsageError(`unexpected argument '${args[spec.args.length]}'`, usage);
  }
  return { kind: 'run', spec, args, options };
}

function parseStrictly(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(parseProblem(error), GENERAL_USAGE);
  }
}

/** parseArgs's complaint in the CLI's words. */
function parseProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('argument missing')) {
    return `option ${option} needs a value`;
  }
  // The next word starts with '-': a value that does, or a value forgotten before an option.
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('is ambiguous')) {
    return `option ${option} needs a value: one that starts with '-' is written ${option}=<value>`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${option} takes no value`;
  return message;
}

/**
 * The command the positional words name, longest match first. Undefined when there are none
 * (then help is printed, if asked for; else it is a usage error).
 */
function findCommand(
  positionals: readonly string[],
  commands: readonly CommandSpec[],
  help: boolean,
): CommandSpec | undefined {
  const [first, second] = positionals;
  if (first === undefined) {
    if (help) return undefined;
    throw new UsageError('no command given', GENERAL_USAGE);
  }
  const pair = commands.find(
    (c) => c.words.length === 2 && c.words[0] === first && c.words[1] === second,
  );
  if (pair !== undefined) return pair;
  const single = commands.find((c) => c.words.length === 1 && c.words[0] === first);
  if (single !== undefined) return single;
  const group = commands.filter((c) => c.words.length === 2 && c.words[0] === first);
  if (group.length > 0) {
    if (help) return undefined;
    const names = group.map((c) => c.words[1]).join(', ');
    const what = second === undefined ? 'needs a command' : `has no command '${second}'`;
    throw new UsageError(
      `'sagactl ${first}' ${what}: ${names}`,
      `usage: sagactl ${first} <${group.map((c) => c.words[1]).join('|')}> ...`,
    );
  }
  throw new UsageError(`unknown command '${first}'`, GENERAL_USAGE);
}
