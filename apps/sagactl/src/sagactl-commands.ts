import type { CommandSpec } from './command-spec.js';
import { usageOf } from './command-spec.js';
import { BULK_COMMANDS } from './bulk-commands.js';
import { DEAD_LETTER_COMMANDS } from './dead-letter-commands.js';
import { DEFINITION_COMMANDS } from './definition-commands.js';
import { PARTICIPANT_COMMANDS } from './participant-commands.js';
import { SAGA_ACTION_COMMANDS } from './saga-action-commands.js';
import { SAGA_READ_COMMANDS } from './saga-read-commands.js';
import { WATCH_COMMAND } from './saga-watch-command.js';

/** The commands of `sagactl`, by group, in the order `--help` lists them. */
export const COMMAND_GROUPS: readonly { title: string; commands: readonly CommandSpec[] }[] = [
  { title: 'Sagas', commands: [...SAGA_READ_COMMANDS, WATCH_COMMAND, ...SAGA_ACTION_COMMANDS] },
  { title: 'Bulk operations', commands: BULK_COMMANDS },
  { title: 'Dead letters (the operate role)', commands: DEAD_LETTER_COMMANDS },
  { title: 'Participants', commands: PARTICIPANT_COMMANDS },
  { title: 'Saga definitions', commands: DEFINITION_COMMANDS },
];

/** Every command. */
export const COMMANDS: readonly CommandSpec[] = COMMAND_GROUPS.flatMap((group) => group.commands);

const GLOBAL_HELP = `Global options (flags win over the environment, which wins over the default profile)
  -o, --output json|table  json: the API's answer as is; table: columns for people
                           (default: table on a terminal, json otherwise)
  --url URL                the coordinator (SAGACTL_URL; default http://127.0.0.1:3000)
  --api-key KEY            sent as "Authorization: ApiKey KEY" (SAGACTL_API_KEY); never printed
                           URL and key go as a pair: --url or SAGACTL_URL alone sends the
                           key of a lower place only if that place names the same URL
  --profile NAME           that profile (not the environment), of $SAGACTL_CONFIG or
                           ~/.config/sagactl/config.json:
                           {"profiles": {"NAME": {"url": ..., "apiKey": ...}}, "default": "NAME"}
  --timeout MS             how long one request may take (default 30000, at most 3600000)
  -v, --verbose            each request and its answer's status on stderr
  -h, --help               this help; after a command, that command's usage and notes`;

const EXIT_HELP = `Exit codes
  0  done
  1  failed otherwise: the API refused (400, 413, 415) or failed (500), answered a
     redirect (3xx) or not as the API; or a fault of the CLI itself
  2  usage: unknown command or option, bad argument or JSON, bad profile file
  3  not found (404)
  4  not authenticated (401) or not allowed (403)
  5  conflict (409): the key started another saga, the state forbids it, the route moved,
     a bulk query matches more than --max-matched
  6  the coordinator is unreachable or unavailable: refused, timeout, 429, 502, 503, 504
     (a read is tried 3 times first), an answer broken off; --max-wait ran out
  7  watch: the saga ended compensated
  8  watch: the saga is stuck
  9  bulk --wait: the operation ended, and some of its sagas were refused
  10 bulk --wait: the operation was stopped
  141 the reader of stdout went away (| head) before all was written; watch: its end unseen`;

/** `sagactl --help`: every command, the global options and the exit codes. */
export function generalHelp(): string {
  const lines = [
    "sagactl: the saga coordinator's operator CLI, over its HTTP API",
    '',
    'usage: sagactl <command> [options]',
  ];
  for (const group of COMMAND_GROUPS) {
    lines.push('', group.title);
    for (const spec of group.commands) {
      lines.push(`  ${[...spec.words, spec.synopsis].join(' ').trim()}`, `      ${spec.summary}`);
    }
  }
  lines.push('', GLOBAL_HELP, '', EXIT_HELP, '', 'More, with examples: docs/CLI.md');
  return lines.join('\n');
}

/** `sagactl <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  const details = spec.details === undefined ? [] : ['', ...spec.details];
  return [usageOf(spec), '', spec.summary, ...details, '', GLOBAL_HELP, '', EXIT_HELP].join('\n');
}
