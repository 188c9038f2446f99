import { pathOf } from './api-client.js';
import type { BulkOperation, BulkPreview } from './api-views.js';
import { flag, requiredText, textOption, wholeNumberOption } from './command-options.js';
import type { CommandCall, CommandSpec } from './command-spec.js';
import { CliError, EXIT, UsageError, type ExitCode } from './exit-codes.js';
import { formatFields, formatTable, oneLine, prettyJson, shortTime } from './output-format.js';
import { noteMorePages, readPages, type Page } from './paging.js';

/** How often `--wait` reads an operation's progress. */
const WAIT_INTERVAL_MS = 1_000;
/** The longest `--max-wait`, in ms: a week. */
const MAX_WAIT_MS = 7 * 24 * 3_600_000;

/** What a bulk form acts with: `cancel`, `resume`, or `retry` of `stepId`. */
export interface BulkAction {
  readonly action: 'cancel' | 'resume' | 'retry';
  readonly stepId?: string;
}

/**
 * The bulk form of an action (`--query`): `POST /bulk-operations`. With `--dry-run`, prints what
 * it would touch and changes nothing; else starts the operation (with `--max-matched N`, only
 * if it acts on N sagas at most: a 409, exit 5, otherwise), and with `--wait` follows it to its
 * end (see waitForEnd for the exit codes).
 */
export async function runBulk(call: CommandCall, bulk: BulkAction): Promise<ExitCode> {
  const maxMatched = wholeNumberOption(call, 'max-matched', 0);
  if (maxMatched !== undefined && flag(call, 'dry-run')) {
    throw new UsageError('--max-matched bounds a real run, not a --dry-run', call.usage);
  }
  const body = {
    action: bulk.action,
    query: requiredText(call, 'query', 'query'),
    reason: requiredText(call, 'reason'),
    ...(bulk.stepId === undefined ? {} : { stepId: bulk.stepId }),
    ...(flag(call, 'dry-run') ? { dryRun: true } : {}),
    ...(maxMatched === undefined ? {} : { maxMatched }),
  };
  if (body.dryRun === true) {
    const { body: preview } = await call.api.send<BulkPreview>('POST', '/bulk-operations', {
      json: body,
    });
    call.io.print(call.output === 'json' ? prettyJson(preview) : previewText(preview));
    return EXIT.ok;
  }
  const { body: started } = await call.api.send<BulkOperation>('POST', '/bulk-operations', {
    json: body,
  });
  if (!flag(call, 'wait')) {
    call.io.print(call.output === 'json' ? prettyJson(started) : startedText(started));
    return EXIT.ok;
  }
  call.io.warn(startedText(started));
  return waitForEnd(call, started);
}

/**
 * Polls an operation until it is no longer running (or `--max-wait` runs out: exit 6);
 * progress on stderr, the end on stdout. Exit 0 when every saga was acted on, 9 when some were
 * refused, 10 when it was stopped.
 */
async function waitForEnd(call: CommandCall, started: BulkOperation): Promise<ExitCode> {
  const maxWaitMs = wholeNumberOption(call, 'max-wait', 1, MAX_WAIT_MS);
  const began = call.io.now();
  let operation = started;
  let shown = -1;
  while (operation.status === 'running') {
    const done = operation.applied + operation.refused;
    if (done !== shown && call.output === 'table') {
      call.io.warn(`${done} of ${operation.matched} done (${operation.refused} refused)`);
      shown = done;
    }
    const waited = call.io.now() - began;
    if (maxWaitMs !== undefined && waited >= maxWaitMs) {
      throw new CliError(
        EXIT.unavailable,
        `bulk operation ${oneLine(operation.operationId)} has not ended within --max-wait ${maxWaitMs} ms ` +
          `(${done} of ${operation.matched} done); it goes on in the coordinator`,
      );
    }
    const left = maxWaitMs === undefined ? WAIT_INTERVAL_MS : maxWaitMs - waited;
    await call.io.sleep(Math.min(WAIT_INTERVAL_MS, left));
    operation = await call.api.get<BulkOperation>(pathOf('bulk-operations', started.operationId));
  }
  call.io.print(call.output === 'json' ? prettyJson(operation) : operationText(operation));
  if (operation.status === 'stopped') return EXIT.bulkStopped;
  return operation.refused > 0 ? EXIT.bulkRefused : EXIT.ok;
}

/** `sagactl bulk list`: `GET /bulk-operations`, newest first. */
const list: CommandSpec = {
  words: ['bulk', 'list'],
  synopsis: '[--limit N] [--cursor C] [--all]',
  summary: 'bulk operations, newest first, with their progress',
  args: [],
  options: ['limit', 'cursor', 'all'],
  async run(call) {
    const query = { limit: wholeNumberOption(call, 'limit'), cursor: textOption(call, 'cursor') };
    const page = await readPages<BulkOperation, Page<BulkOperation>>(
      call,
      '/bulk-operations',
      query,
      { all: flag(call, 'all') },
    );
    if (call.output === 'json') call.io.print(prettyJson(page));
    else {
      const headers = [
        'operation id',
        'action',
        'status',
        'matched',
        'applied',
        'refused',
        'by',
        'created',
        'query',
      ];
      const rows = page.items.map((o) => [
        o.operationId,
        o.stepId === null ? o.action : `${o.action} ${o.stepId}`,
        o.status,
        o.matched,
        o.applied,
        o.refused,
        o.actor,
        shortTime(o.createdAt),
        o.query,
      ]);
      call.io.print(formatTable(headers, rows));
    }
    noteMorePages(call, page);
    return EXIT.ok;
  },
};

/** `sagactl bulk get <operationId> [--wait]`. */
const get: CommandSpec = {
  words: ['bulk', 'get'],
  synopsis: '<operationId> [--wait [--max-wait MS]]',
  summary: 'one bulk operation: its progress and first refusals (--wait: until it ends)',
  args: ['operationId'],
  options: ['wait', 'max-wait'],
  async run(call) {
    const operation = await call.api.get<BulkOperation>(pathOf('bulk-operations', call.args[0]!));
    if (flag(call, 'wait')) return waitForEnd(call, operation);
    call.io.print(call.output === 'json' ? prettyJson(operation) : operationText(operation));
    return EXIT.ok;
  },
};

/** `sagactl bulk stop <operationId>`: the sagas not yet acted on are left as they are. */
const stop: CommandSpec = {
  words: ['bulk', 'stop'],
  synopsis: '<operationId>',
  summary: 'stops a running bulk operation; the sagas not yet acted on are left alone',
  args: ['operationId'],
  options: [],
  async run(call) {
    const path = `${pathOf('bulk-operations', call.args[0]!)}/stop`;
    const { body } = await call.api.send<BulkOperation>('POST', path);
    call.io.print(call.output === 'json' ? prettyJson(body) : operationText(body));
    return EXIT.ok;
  },
};

/** The commands of `sagactl bulk`. */
export const BULK_COMMANDS: readonly CommandSpec[] = [list, get, stop];

function previewText(preview: BulkPreview): string {
  const statuses = Object.entries(preview.byStatus)
    .map(([status, count]) => `${oneLine(status)} ${count}`)
    .join(', ');
  const lines = [
    `dry run: ${oneLine(preview.action)} would act on ${preview.matched} saga(s); nothing was changed`,
    `the query selects: ${statuses === '' ? 'no saga' : statuses}`,
    `to act on these only: the same command without --dry-run, with --max-matched ${preview.matched}`,
  ];
  if (preview.sample.length > 0) {
    lines.push(
      '',
      formatTable(
        ['saga id', 'type', 'version', 'status', 'created'],
        preview.sample.map((s) => [
          s.sagaId,
          s.sagaType,
          s.sagaVersion,
          s.status,
          shortTime(s.createdAt),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function startedText(operation: BulkOperation): string {
  const id = oneLine(operation.operationId);
  return (
    `bulk operation ${id}: ${oneLine(operation.action)} of ${operation.matched} saga(s) ` +
    `started (sagactl bulk get ${id} --wait)`
  );
}

function operationText(operation: BulkOperation): string {
  const fields = formatFields([
    ['Operation', operation.operationId],
    [
      'Action',
      operation.stepId === null
        ? operation.action
        : `${operation.action} of step ${operation.stepId}`,
    ],
    ['Query', operation.query],
    ['Reason', operation.reason],
    ['By', operation.actor],
    ['Status', operation.status],
    ['Matched', operation.matched],
    ['Applied', operation.applied],
    ['Refused', operation.refused],
    ['Remaining', operation.remaining],
    ['Created', shortTime(operation.createdAt)],
    ['Finished', shortTime(operation.finishedAt)],
  ]);
  if (operation.refusals.length === 0) return fields;
  const refusals = formatTable(
    ['saga id', 'refused because'],
    operation.refusals.map((r) => [r.sagaId, r.reason]),
  );
  return `${fields}\n\n${refusals}`;
}
