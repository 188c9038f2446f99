import { ApiClient } from './api-client.js';
import { readCommandLine } from './command-line.js';
import { usageOf, type CliIo, type OptionValues, type OutputFormat } from './command-spec.js';
import { CliError, EXIT, UsageError } from './exit-codes.js';
import { oneLine } from './output-format.js';
import { resolveConnection } from './sagactl-config.js';
import { COMMANDS, commandHelp, generalHelp } from './sagactl-commands.js';

/** Where `sagactl` runs: its environment, home, terminal and I/O. */
export interface SagactlHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** Whether stdout is a terminal: then tables are the default output. */
  readonly isTty: boolean;
  readonly io: CliIo;
  /** The fetch requests go with (default: the global one); tests give a fake. */
  readonly fetch?: typeof fetch;
}

/**
 * Runs one command line (without node and the script); resolves with the exit code. Failures
 * are printed on stderr in words (the API's message when it has one) and never throw.
 */
export async function runSagactl(argv: readonly string[], host: SagactlHost): Promise<number> {
  const { io } = host;
  try {
    const line = readCommandLine(argv, COMMANDS);
    if (line.kind === 'help') {
      io.print(line.spec === undefined ? generalHelp() : commandHelp(line.spec));
      return EXIT.ok;
    }
    const usage = usageOf(line.spec);
    const output = outputOf(line.options, host.isTty, usage);
    const connection = resolveConnection({
      flags: {
        url: text(line.options.url),
        apiKey: text(line.options['api-key']),
        profile: text(line.options.profile),
        timeout: text(line.options.timeout),
      },
      env: host.env,
      homeDir: host.homeDir,
      readText: (path) => io.readText(path),
    });
    const verbose = line.options.verbose === true;
    const api = new ApiClient(connection, {
      // The entries quote the answer's status text: the server's words.
      ...(verbose ? { trace: (entry: string) => io.warn(oneLine(entry)) } : {}),
      sleep: (ms) => io.sleep(ms),
      ...(host.fetch === undefined ? {} : { fetch: host.fetch }),
    });
    return await line.spec.run({ args: line.args, options: line.options, api, output, io, usage });
  } catch (error) {
    return report(error, io);
  }
}

function outputOf(options: OptionValues, isTty: boolean, usage: string): OutputFormat {
  const output = text(options.output) ?? (isTty ? 'table' : 'json');
  if (output !== 'json' && output !== 'table') {
    throw new UsageError(`-o must be json or table, not '${output}'`, usage);
  }
  return output;
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Prints a failure on stderr; the exit code it maps to. */
function report(error: unknown, io: CliIo): number {
  // Messages may carry the API's words and what it quotes: each on one line, without control
  // characters.
  if (error instanceof CliError) {
    io.warn(`error: ${oneLine(error.message)}`);
    for (const detail of error.details) io.warn(`  ${oneLine(detail)}`);
    if (error instanceof UsageError && error.usage !== undefined) io.warn(error.usage);
    return error.exitCode;
  }
  // A fault of the CLI itself: said plainly, exit 1.
  io.warn(`error: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  return EXIT.failed;
}
