import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PARTICIPANT_NAME_PATTERN } from '#contracts';

/** What one conformance run checks, and where. */
export interface ConformanceOptions {
  /** The participant under test: it reads `<topicPrefix><participant>.commands`. */
  readonly participant: string;
  /** Kafka bootstrap servers. */
  readonly brokers: readonly string[];
  /** The environment prefix of every topic name (default none), as the participant has it. */
  readonly topicPrefix: string;
  /** How long to wait for each reply or dead letter before the rule fails, in ms (default 30 000). */
  readonly timeoutMs: number;
  /**
   * Sample inputs by saga type or `type@version`, beside the built-in ones (`--inputs
   * <file.json>`); each the input, or `{ input, results }` (read by `samplesOf`).
   */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** A directory of definition documents to probe beside the built-in ones (`--definitions`). */
  readonly definitions?: string;
}

const optionsSchema = z.object({
  participant: z
    .string({ error: 'required: --participant <name>' })
    .regex(PARTICIPANT_NAME_PATTERN, 'expected a participant name such as shipping'),
  brokers: z
    .string({ error: 'required: --brokers host:port[,host:port...] (or KAFKA_BROKERS)' })
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
    .transform((text) => text.split(',')),
  topicPrefix: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{0,100}$/, "expected letters, digits, '.', '_' or '-'")
    .default(''),
  timeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
  inputs: z.record(z.string(), z.unknown()).default({}),
  definitions: z.string().min(1).optional(),
});

/** The usage line printed with an error. */
export const CONFORMANCE_USAGE =
  'usage: npm run conformance -- --participant <name> [--brokers host:port,...] ' +
  '[--topic-prefix <prefix>] [--timeout-ms <ms>] [--definitions <dir>] [--inputs <file.json>]';

/**
 * Reads the options from command-line arguments, with `KAFKA_BROKERS` and `TOPIC_PREFIX` as
 * defaults; throws an Error naming each bad option.
 */
export function conformanceOptionsOf(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ConformanceOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      participant: { type: 'string' },
      brokers: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'timeout-ms': { type: 'string' },
      inputs: { type: 'string' },
      definitions: { type: 'string' },
    },
    strict: true,
  });
  const parsed = optionsSchema.safeParse({
    participant: values.participant,
    brokers: values.brokers ?? env['KAFKA_BROKERS'],
    topicPrefix: values['topic-prefix'] ?? env['TOPIC_PREFIX'],
    timeoutMs: values['timeout-ms'],
    inputs: values.inputs === undefined ? undefined : readInputs(values.inputs, readFile),
    definitions: values.definitions,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `--${flagOf(issue.path)}: ${issue.message}`,
    );
    throw new Error(problems.join('; '));
  }
  return parsed.data;
}

function readInputs(path: string, readFile: (path: string) => string): unknown {
  try {
    return JSON.parse(readFile(path)) as unknown;
  } catch (error) {
    throw new Error(
      `--inputs: cannot read ${path} as JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

function flagOf(path: readonly PropertyKey[]): string {
  const name = String(path[0] ?? '');
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
