import { pathOf } from './api-client.js';
import type { ActionAnswer, StartAnswer } from './api-views.js';
import { runBulk } from './bulk-commands.js';
import { flag, requiredText, textOption, wholeNumberOption } from './command-options.js';
import type { CommandCall, CommandSpec } from './command-spec.js';
import { EXIT, UsageError, type ExitCode } from './exit-codes.js';
import { jsonFaultPlace } from './json-fault.js';
import { oneLine, prettyJson } from './output-format.js';

/** `sagactl start`: `POST /sagas`; the same key and input again finds the same saga. */
const start: CommandSpec = {
  words: ['start'],
  synopsis: '<sagaType> --key <idempotencyKey> --input <json | @file | @-> [--version N]',
  summary: 'starts a saga (idempotent: the same key and input find the same saga)',
  args: ['sagaType'],
  options: ['key', 'input', 'version'],
  async run(call) {
    const sagaVersion = wholeNumberOption(call, 'version');
    const body = {
      sagaType: call.args[0]!,
      idempotencyKey: requiredText(call, 'key', 'idempotencyKey'),
      input: await inputOf(call),
      ...(sagaVersion === undefined ? {} : { sagaVersion }),
    };
    const { body: answer } = await call.api.send<StartAnswer>('POST', '/sagas', { json: body });
    call.io.print(
      call.output === 'json'
        ? prettyJson(answer)
        : answer.created
          ? `started saga ${oneLine(answer.sagaId)}: ${oneLine(answer.status)}`
          : `saga ${oneLine(answer.sagaId)} was started by this key before: ${oneLine(answer.status)}`,
    );
    return EXIT.ok;
  },
};

/** Notes on the bulk forms, for `--help`. */
const BULK_DETAILS = [
  'With --query (docs/QUERIES.md), it acts on every saga the query matches, as a bulk',
  "operation: --dry-run counts them and changes nothing; --max-matched N (the dry run's",
  'count) refuses to act when more match by then (exit 5, nothing done); --wait follows it to',
  'its end (exit 9 if any saga was refused, 10 if it was stopped; --max-wait MS bounds the',
  'wait, exit 6). Each saga is audited with the caller and the reason.',
];

/** `sagactl cancel`: one saga, or with `--query` every saga it matches (a bulk operation). */
const cancel: CommandSpec = {
  words: ['cancel'],
  synopsis:
    '<sagaId> --reason <text> | --query <q> --reason <text> [--dry-run | --max-matched N] [--wait]',
  summary: 'cancels a running saga (before its pivot), or every one a query matches',
  details: BULK_DETAILS,
  args: ['sagaId?'],
  options: ['reason', 'query', 'dry-run', 'max-matched', 'wait', 'max-wait'],
  async run(call) {
    if (isBulk(call)) return runBulk(call, { action: 'cancel' });
    const reason = requiredText(call, 'reason');
    return act(call, 'cancel', 'cancelled', { reason });
  },
};

/** `sagactl resume`: one stuck saga, or with `--query` every stuck saga it matches. */
const resume: CommandSpec = {
  words: ['resume'],
  synopsis:
    '<sagaId> [--reason <text>] | --query <q> --reason <text> [--dry-run | --max-matched N] [--wait]',
  summary: 'resumes a stuck saga (what ran out is tried again), or every one a query matches',
  details: BULK_DETAILS,
  args: ['sagaId?'],
  options: ['reason', 'query', 'dry-run', 'max-matched', 'wait', 'max-wait'],
  async run(call) {
    if (isBulk(call)) return runBulk(call, { action: 'resume' });
    const reason = textOption(call, 'reason');
    return act(call, 'resume', 'resumed', reason === undefined ? undefined : { reason });
  },
};

/** `sagactl retry`: one step of one saga now, or of every saga a query matches. */
const retry: CommandSpec = {
  words: ['retry'],
  synopsis:
    '<sagaId> <stepId> [--reason <text>] | --query <q> --step <stepId> --reason <text> [--dry-run | --max-matched N] [--wait]',
  summary: 'sends the next attempt of a step now (awaiting its reply, backing off, or halted)',
  details: [
    'The attempt before it is fenced off: its late reply changes nothing. On a stuck saga,',
    'retrying the step that halted it resumes the saga.',
    ...BULK_DETAILS,
  ],
  args: ['sagaId?', 'stepId?'],
  options: ['reason', 'query', 'step', 'dry-run', 'max-matched', 'wait', 'max-wait'],
  async run(call) {
    if (isBulk(call))
      return runBulk(call, { action: 'retry', stepId: requiredText(call, 'step', 'stepId') });
    const stepId = call.args[1];
    if (stepId === undefined) throw new UsageError('<stepId> is required', call.usage);
    if (textOption(call, 'step') !== undefined) {
      throw new UsageError('--step goes with --query; name the step after the saga id', call.usage);
    }
    const reason = textOption(call, 'reason');
    return act(
      call,
      `steps/${encodeURIComponent(stepId)}/retry`,
      `retried step ${stepId} of`,
      reason === undefined ? undefined : { reason },
    );
  },
};

/** True for the bulk form (`--query`); a UsageError when it also names a saga. */
function isBulk(call: CommandCall): boolean {
  const bulk = textOption(call, 'query') !== undefined;
  if (bulk && call.args.length > 0) {
    throw new UsageError('give a saga id or --query, not both', call.usage);
  }
  if (!bulk && call.args.length === 0) {
    throw new UsageError('<sagaId> (or --query) is required', call.usage);
  }
  const bulkOnly =
    flag(call, 'dry-run') ||
    flag(call, 'wait') ||
    textOption(call, 'max-wait') !== undefined ||
    textOption(call, 'max-matched') !== undefined;
  if (!bulk && bulkOnly) {
    throw new UsageError(
      '--dry-run, --wait, --max-wait and --max-matched go with --query',
      call.usage,
    );
  }
  return bulk;
}

/** `POST /sagas/:id/<action>` with `body`, and the saga's new status. */
async function act(
  call: CommandCall,
  action: string,
  done: string,
  body: { reason: string } | undefined,
): Promise<ExitCode> {
  const path = `${pathOf('sagas', call.args[0]!)}/${action}`;
  const request = body === undefined ? {} : { json: body };
  const { body: answer } = await call.api.send<ActionAnswer>('POST', path, request);
  call.io.print(
    call.output === 'json'
      ? prettyJson(answer)
      : `${done} saga ${oneLine(answer.sagaId)}: ${oneLine(answer.status)}`,
  );
  return EXIT.ok;
}

/** The commands that act on sagas. */
export const SAGA_ACTION_COMMANDS: readonly CommandSpec[] = [start, cancel, resume, retry];

/** The saga input of `--input`: JSON itself, `@file` or `@-` (stdin); else a UsageError. */
async function inputOf(call: CommandCall): Promise<unknown> {
  const given = requiredText(call, 'input', 'json | @file');
  let text = given;
  let from = '--input';
  if (given === '@-') {
    text = await call.io.readStdin();
    from = 'stdin';
  } else if (given.startsWith('@')) {
    from = given.slice(1);
    try {
      text = call.io.readText(from);
    } catch (error) {
      throw new UsageError(`cannot read ${from}: ${(error as Error).message}`, call.usage);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Where, not what: JSON.parse's message quotes the input, which may hold a card number.
    throw new UsageError(`${from} is ${jsonFaultPlace(text)}`, call.usage);
  }
}
