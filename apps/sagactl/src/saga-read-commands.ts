import { pathOf } from './api-client.js';
import type { AuditRecord, SagaSummary, SagaView, StuckSaga } from './api-views.js';
import { flag, textOption, wholeNumberOption } from './command-options.js';
import type { CommandSpec } from './command-spec.js';
import { EXIT } from './exit-codes.js';
import { compactJson, formatFields, formatTable, prettyJson, shortTime } from './output-format.js';
import { noteMorePages, readPages, type Page } from './paging.js';

/** The most audit lines one page answers (the API's bound). */
const AUDIT_PAGE = 500;

/** `sagactl list`: `GET /sagas`, newest first, one page or all. */
const list: CommandSpec = {
  words: ['list'],
  synopsis:
    '[--query Q] [--status S] [--type T] [--created-from ISO] [--created-to ISO] [--limit N] [--cursor C] [--all]',
  summary:
    'sagas, newest first, filtered by a query (docs/QUERIES.md), status, type, creation time',
  args: [],
  options: ['query', 'status', 'type', 'created-from', 'created-to', 'limit', 'cursor', 'all'],
  async run(call) {
    const query = {
      status: textOption(call, 'status'),
      sagaType: textOption(call, 'type'),
      createdFrom: textOption(call, 'created-from'),
      createdTo: textOption(call, 'created-to'),
      q: textOption(call, 'query'),
      limit: wholeNumberOption(call, 'limit'),
      cursor: textOption(call, 'cursor'),
    };
    const page = await readPages<SagaSummary, Page<SagaSummary>>(call, '/sagas', query, {
      all: flag(call, 'all'),
    });
    if (call.output === 'json') call.io.print(prettyJson(page));
    else call.io.print(sagaTable(page.items));
    noteMorePages(call, page);
    return EXIT.ok;
  },
};

/** `sagactl get <sagaId>`: `GET /sagas/:id`. */
const get: CommandSpec = {
  words: ['get'],
  synopsis: '<sagaId>',
  summary: 'one saga: status, steps, input and context',
  args: ['sagaId'],
  options: [],
  async run(call) {
    const saga = await call.api.get<SagaView & { history: unknown[]; historyTruncated?: boolean }>(
      pathOf('sagas', call.args[0]!),
    );
    call.io.print(call.output === 'json' ? prettyJson(saga) : sagaDetails(saga));
    return EXIT.ok;
  },
};

/** `sagactl history <sagaId>`: every page of `GET /sagas/:id/audit`. */
const history: CommandSpec = {
  words: ['history'],
  synopsis: '<sagaId>',
  summary: "a saga's audit trail, oldest first: every transition, its cause and actor",
  args: ['sagaId'],
  options: [],
  async run(call) {
    const path = `${pathOf('sagas', call.args[0]!)}/audit`;
    const page = await readPages<AuditRecord, Page<AuditRecord>>(
      call,
      path,
      { limit: AUDIT_PAGE },
      { all: true, cursorParam: 'after' },
    );
    call.io.print(
      call.output === 'json'
        ? prettyJson(page)
        : formatTable(HISTORY_HEADERS, page.items.map(historyCells)),
    );
    return EXIT.ok;
  },
};

/** `sagactl stuck`: `GET /sagas/stuck`. */
const stuck: CommandSpec = {
  words: ['stuck'],
  synopsis: '[--limit N] [--cursor C] [--all]',
  summary: 'sagas stuck, or not ended and idle for STUCK_AFTER_MS, longest first',
  args: [],
  options: ['limit', 'cursor', 'all'],
  async run(call) {
    const query = { limit: wholeNumberOption(call, 'limit'), cursor: textOption(call, 'cursor') };
    const page = await readPages<StuckSaga, Page<StuckSaga> & { stuckAfterMs: number }>(
      call,
      '/sagas/stuck',
      query,
      { all: flag(call, 'all') },
    );
    if (call.output === 'json') {
      call.io.print(prettyJson(page));
    } else {
      const headers = [
        'saga id',
        'type',
        'version',
        'status',
        'kind',
        'no progress since',
        'reason',
      ];
      const rows = page.items.map((s) => [
        s.sagaId,
        s.sagaType,
        s.sagaVersion,
        s.status,
        s.kind,
        shortTime(s.noProgressSince),
        s.reason,
      ]);
      call.io.print(formatTable(headers, rows));
      call.io.warn(`idle: not ended and unchanged for ${page.stuckAfterMs} ms (STUCK_AFTER_MS)`);
    }
    noteMorePages(call, page);
    return EXIT.ok;
  },
};

/** The commands that read sagas. */
export const SAGA_READ_COMMANDS: readonly CommandSpec[] = [list, get, history, stuck];

/** The columns of an audit line, for `history`. */
export const HISTORY_HEADERS = ['at', 'event', 'status', 'step', 'actor', 'detail'];

/** An audit line's cells: a refused or fenced event is marked `(not applied)`. */
export function historyCells(record: AuditRecord): string[] {
  const step = record.stepId === null ? '-' : `${record.stepId}#${record.attempt ?? '-'}`;
  const status =
    record.fromStatus === null || record.fromStatus === record.toStatus
      ? record.toStatus
      : `${record.fromStatus} -> ${record.toStatus}`;
  const event = record.applied ? record.eventType : `${record.eventType} (not applied)`;
  return [shortTime(record.at), event, status, step, record.actor ?? '-', record.detail];
}

function sagaTable(items: readonly SagaSummary[]): string {
  const headers = ['saga id', 'type', 'version', 'status', 'idempotency key', 'created', 'updated'];
  const rows = items.map((s) => [
    s.sagaId,
    s.sagaType,
    s.sagaVersion,
    s.status,
    s.idempotencyKey,
    shortTime(s.createdAt),
    shortTime(s.updatedAt),
  ]);
  return formatTable(headers, rows);
}

function sagaDetails(saga: SagaView & { history: unknown[]; historyTruncated?: boolean }): string {
  const fields = formatFields([
    ['Saga', saga.sagaId],
    ['Type', `${saga.sagaType} version ${saga.sagaVersion}`],
    ['Status', saga.status],
    ['Key', saga.idempotencyKey],
    ['Created', shortTime(saga.createdAt)],
    ['Updated', shortTime(saga.updatedAt)],
    ['Reason', saga.reason ?? undefined],
    ['Cause', saga.cause === null ? undefined : compactJson(saga.cause)],
    ['Input', compactJson(saga.input)],
    ['Context', compactJson(saga.context)],
    [
      'History',
      // The answer holds the latest lines only when the saga has more: say so, not a total.
      saga.historyTruncated === true
        ? `the latest ${saga.history.length} entries; all of them: sagactl history ${saga.sagaId}`
        : `${saga.history.length} entries (sagactl history ${saga.sagaId})`,
    ],
  ]);
  const steps = formatTable(
    ['step', 'status', 'attempt', 'next wake-up', 'last outcome'],
    saga.steps.map((step) => [
      step.stepId,
      step.status,
      step.attempt,
      shortTime(step.nextWakeupAt),
      step.lastOutcome === null ? '-' : compactJson(step.lastOutcome),
    ]),
  );
  return `${fields}\n\n${steps}`;
}
