// Stuck-saga detection of a saga whose step retries for ever, on the real Postgres without a
// coordinator: each failed attempt and each retry changes the saga's row, so the row alone
// never looks idle; the saga counts as idle once a step of it has retried without success for
// STUCK_AFTER_MS, since the step's first failure in its current retry budget (audit log).
import { randomUUID } from 'node:crypto';
import type { PoolDatabase } from '#postgres';
import {
  countStuckSagas,
  listStuckSagas,
} from '../../../apps/coordinator/src/stuck-sagas/index.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';
import { accessPaths, type PlanNode } from '../../support/query-plans.js';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const STUCK_AFTER_MS = 15 * MINUTE * 1000;

/** A step of the state, as the engine writes it. */
type Step = Record<string, unknown> & { status: string };

const succeeded: Step = { status: 'succeeded', attempts: 1, result: {} };
const lastError = { status: 'error', code: 'CARRIER_DOWN', message: 'down', retryable: true };
const backingOff = (attempt: number, budgetFrom = 1): Step => ({
  status: 'backing-off',
  attempt,
  retryAt: 0,
  lastOutcome: lastError,
  lastAttemptTimedOut: false,
  budgetFrom,
});

/** A line of the audit log, `secondsAgo` by the database's clock. */
interface Line {
  readonly secondsAgo: number;
  readonly eventType: string;
  readonly fromStatus: string;
  readonly toStatus?: string;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly detail?: string;
}

describe('stuck sagas whose step retries for ever', () => {
  const schema = uniqueName('it_stuck_retrying');
  let database: PoolDatabase;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(async () => {
    await dropMigratedSchema(database, schema);
  });
  beforeEach(async () => {
    await database.query(`TRUNCATE sagas, saga_audit CASCADE`);
  });

  /** Inserts a saga with its steps, created and last changed so long ago, and its audit lines. */
  const insertSaga = async (options: {
    status?: string;
    createdSecondsAgo: number;
    updatedSecondsAgo: number;
    steps: Record<string, Step>;
    audit: readonly Line[];
  }): Promise<string> => {
    const sagaId = randomUUID();
    const status = options.status ?? 'running';
    const state = {
      sagaId,
      sagaType: 'order',
      sagaVersion: 1,
      status,
      pivotPassed: true,
      steps: options.steps,
      ...(status === 'compensating' ? { cause: { type: 'deadline', at: 0 } } : {}),
    };
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state,
         created_at, updated_at)
       VALUES ($1::uuid, 'order', 1, $2, $1::text, $3,
         now() - make_interval(secs => $4), now() - make_interval(secs => $5))`,
      [sagaId, status, JSON.stringify(state), options.createdSecondsAgo, options.updatedSecondsAgo],
    );
    for (const line of options.audit) {
      await database.query(
        `INSERT INTO saga_audit (saga_id, at, event_type, from_status, to_status, step_id,
           attempt, applied, detail)
         VALUES ($1, now() - make_interval(secs => $2), $3, $4, $5, $6, $7, true, $8)`,
        [
          sagaId,
          line.secondsAgo,
          line.eventType,
          line.fromStatus,
          line.toStatus ?? line.fromStatus,
          line.stepId ?? null,
          line.attempt ?? null,
          line.detail ?? '',
        ],
      );
    }
    return sagaId;
  };

  /** The time of the saga's audit line about `stepId` and `attempt`, as the API gives times. */
  const lineTime = async (sagaId: string, stepId: string, attempt: number): Promise<string> => {
    const [row] = await database.query<{ at: Date }>(
      `SELECT at FROM saga_audit WHERE saga_id = $1 AND step_id = $2 AND attempt = $3
       ORDER BY id LIMIT 1`,
      [sagaId, stepId, attempt],
    );
    return new Date(row!.at).toISOString();
  };

  /** The steps of a saga past its pivot (capture-payment), schedule-shipping as `shipping`. */
  const pastThePivot = (shipping: Step): Record<string, Step> => ({
    'reserve-inventory': succeeded,
    'authorize-payment': succeeded,
    'capture-payment': succeeded,
    'schedule-shipping': shipping,
    'notify-customer': { status: 'pending' },
  });

  /** The lines of a saga that went forward to its pivot, `secondsAgo`. */
  const upToThePivot = (secondsAgo: number): Line[] => [
    { secondsAgo, eventType: 'start', fromStatus: 'running' },
    ...['reserve-inventory', 'authorize-payment', 'capture-payment'].map((stepId) => ({
      secondsAgo,
      eventType: 'reply',
      fromStatus: 'running',
      stepId,
      attempt: 1,
      detail: `${stepId} succeeded`,
    })),
  ];
  /** The lines of a forward step that failed at each of `attempts`, the first `firstSecondsAgo`. */
  const failures = (stepId: string, firstSecondsAgo: number, attempts: number[]): Line[] =>
    attempts.flatMap((attempt, index) => {
      const secondsAgo = Math.max(10, firstSecondsAgo - index * 35);
      return [
        { secondsAgo, eventType: 'reply', fromStatus: 'running', stepId, attempt },
        { secondsAgo, eventType: 'wakeup', fromStatus: 'running', stepId, attempt },
      ];
    });

  it('counts as idle a saga whose step after the pivot has failed every attempt for two hours', async () => {
    // Created 2 h ago, passed its pivot then; schedule-shipping has failed since, every ~35 s,
    // and is backing off after attempt 200: its row changed 10 s ago.
    const retrying = await insertSaga({
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: pastThePivot(backingOff(200)),
      audit: [
        ...upToThePivot(2 * HOUR),
        ...failures('schedule-shipping', 2 * HOUR - 30, [1, 2, 3]),
        ...failures('schedule-shipping', 10, [199, 200]),
      ],
    });
    const since = await lineTime(retrying, 'schedule-shipping', 1);

    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 0, idle: 1 });
    const page = await listStuckSagas(database, { stuckAfterMs: STUCK_AFTER_MS, limit: 10 });
    expect(page).toMatchObject({ nextCursor: null, items: [{ sagaId: retrying }] });
    expect(page.items[0]).toMatchObject({
      status: 'running',
      kind: 'idle',
      reason: `retrying schedule-shipping since ${since} (attempt 200)`,
      noProgressSince: since,
    });
  });

  it('leaves out a saga that progresses: its last step succeeded a minute ago, the next one fails for 40 s', async () => {
    await insertSaga({
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: pastThePivot(backingOff(3)),
      audit: [...upToThePivot(MINUTE), ...failures('schedule-shipping', 40, [1, 2, 3])],
    });
    // A retry in flight after the first failure, the same.
    await insertSaga({
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: pastThePivot({ status: 'running', attempt: 2, sentAt: 0, budgetFrom: 1 }),
      audit: [...upToThePivot(MINUTE), ...failures('schedule-shipping', 40, [1])],
    });

    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 0, idle: 0 });
    expect(await listStuckSagas(database, { stuckAfterMs: STUCK_AFTER_MS, limit: 10 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('counts a step’s retrying from its current budget: an operator’s resume five minutes ago starts it afresh', async () => {
    await insertSaga({
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: pastThePivot(backingOff(205, 201)),
      audit: [
        ...upToThePivot(2 * HOUR),
        ...failures('schedule-shipping', 2 * HOUR - 30, [1, 2, 200]),
        { secondsAgo: 5 * MINUTE, eventType: 'resume', fromStatus: 'stuck', toStatus: 'running' },
        ...failures('schedule-shipping', 5 * MINUTE - 5, [201, 202, 203, 204, 205]),
      ],
    });

    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 0, idle: 0 });
  });

  it('counts a compensation that has failed for an hour, not one that began failing five minutes ago', async () => {
    const compensationLines = (firstSecondsAgo: number): Line[] => [
      {
        secondsAgo: firstSecondsAgo + 10,
        eventType: 'wakeup',
        fromStatus: 'running',
        toStatus: 'compensating',
        detail: 'the deadline passed',
      },
      ...[1, 2].map((attempt, index) => ({
        secondsAgo: firstSecondsAgo - index * 35,
        eventType: 'reply',
        fromStatus: 'compensating',
        stepId: 'reserve-inventory',
        attempt,
      })),
    ];
    const compensating = {
      'reserve-inventory': {
        status: 'compensation-backing-off',
        attempt: 40,
        retryAt: 0,
        lastOutcome: lastError,
        outcomeUnknown: false,
        budgetFrom: 1,
      },
      'authorize-payment': { status: 'compensated', attempts: 1 },
    };
    // The forward attempt 1 of reserve-inventory, two hours ago, is not its compensation's.
    const young = await insertSaga({
      status: 'compensating',
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: compensating,
      audit: [...upToThePivot(2 * HOUR), ...compensationLines(5 * MINUTE)],
    });
    const old = await insertSaga({
      status: 'compensating',
      createdSecondsAgo: 2 * HOUR,
      updatedSecondsAgo: 10,
      steps: compensating,
      audit: [...upToThePivot(2 * HOUR), ...compensationLines(HOUR)],
    });
    const [first] = await database.query<{ at: Date }>(
      `SELECT at FROM saga_audit WHERE saga_id = $1 AND from_status = 'compensating'
         AND step_id = 'reserve-inventory' AND attempt = 1`,
      [old],
    );
    const since = new Date(first!.at).toISOString();

    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 0, idle: 1 });
    const { items } = await listStuckSagas(database, { stuckAfterMs: STUCK_AFTER_MS, limit: 10 });
    expect(items.map((item) => item.sagaId)).toEqual([old]);
    expect(items.map((item) => item.sagaId)).not.toContain(young);
    expect(items[0]!.reason).toBe(
      `retrying the compensation of reserve-inventory since ${since} (attempt 40)`,
    );
  });

  it('lists sagas longest without progress first, the retrying ones by when their retrying began', async () => {
    const stuck = await insertSaga({
      status: 'stuck',
      createdSecondsAgo: 3 * HOUR,
      updatedSecondsAgo: 30 * MINUTE,
      steps: { 'schedule-shipping': { status: 'failed', attempts: 1, outcome: lastError } },
      audit: [],
    });
    const idle = await insertSaga({
      createdSecondsAgo: 3 * HOUR,
      updatedSecondsAgo: HOUR,
      steps: { 'schedule-shipping': { status: 'running', attempt: 1, sentAt: 0, budgetFrom: 1 } },
      audit: [],
    });
    const retrying = await insertSaga({
      createdSecondsAgo: 3 * HOUR,
      updatedSecondsAgo: 10,
      steps: { 'schedule-shipping': backingOff(200) },
      audit: failures('schedule-shipping', 2 * HOUR, [1, 200]),
    });

    const order: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listStuckSagas(database, {
        stuckAfterMs: STUCK_AFTER_MS,
        limit: 1,
        ...(cursor === undefined ? {} : { cursor }),
      });
      order.push(...page.items.map((item) => item.sagaId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(order).toEqual([retrying, idle, stuck]);
    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 1, idle: 2 });
  });

  it('reads the audit log of each saga through its index, never by a scan of the whole log', async () => {
    // 2,000 sagas started two hours ago, one in two retrying a step, ten lines each.
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state,
         created_at, updated_at)
       SELECT gen_random_uuid(), 'order', 1, 'running', n::text,
         jsonb_build_object('steps', jsonb_build_object('schedule-shipping', CASE WHEN n % 2 = 0
           THEN jsonb_build_object('status', 'backing-off', 'attempt', 9, 'budgetFrom', 1)
           ELSE jsonb_build_object('status', 'running', 'attempt', 1, 'budgetFrom', 1) END)),
         now() - interval '2 hours', now() - interval '10 seconds'
       FROM generate_series(1, 2000) AS n`,
    );
    await database.query(
      `INSERT INTO saga_audit (saga_id, at, event_type, from_status, to_status, step_id,
         attempt, applied, detail)
       SELECT s.id, now() - interval '2 hours' + make_interval(secs => k), 'reply', 'running',
         'running', 'schedule-shipping', k, true, ''
       FROM sagas s, generate_series(1, 10) AS k`,
    );
    await database.query(`ANALYZE sagas`);
    await database.query(`ANALYZE saga_audit`);
    const statements: { text: string; params: unknown[] }[] = [];
    const recorder = {
      query: <Row>(text: string, params: unknown[] = []): Promise<Row[]> => {
        statements.push({ text, params });
        return Promise.resolve([]);
      },
    };
    await countStuckSagas(recorder, STUCK_AFTER_MS);
    await listStuckSagas(recorder, { stuckAfterMs: STUCK_AFTER_MS, limit: 100 });

    for (const { text, params } of statements) {
      const [row] = await database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${text}`,
        params,
      );
      const paths = accessPaths(row!['QUERY PLAN'][0].Plan);
      expect(paths).toContain('saga_audit_legacy_saga_idx');
      expect(paths.filter((path) => path.includes('saga_audit'))).not.toContainEqual(
        expect.stringMatching(/^Seq Scan/),
      );
    }
    expect(await countStuckSagas(database, STUCK_AFTER_MS)).toEqual({ stuck: 0, idle: 1000 });
  });
});
