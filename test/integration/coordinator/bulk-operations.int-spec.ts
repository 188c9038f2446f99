// Operators acting on sagas through the saga query language, on the real Kafka and Postgres:
// a query finds sagas by their fields and where they are; a step is retried; a bulk cancel
// counts first (dry run), then acts on every saga matched, each audited with the operator and
// the reason, while other sagas keep completing; a real run bounded by its dry run's count
// does nothing when more sagas match by then; a bulk operation can be stopped.
import { randomUUID } from 'node:crypto';
import { sqlStateOf } from '#postgres';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  startCoordinatorApp,
  startOrder,
  type CoordinatorApp,
} from '../../support/coordinator-app.js';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { holdDocument } from '../../support/definition-documents.js';
import { orderInput } from '../../support/saga-load.js';
import { waitFor } from '../../support/wait-for.js';
import {
  SAGA_QUERY_TIMEOUT_MS,
  withinQueryBound,
} from '../../../apps/coordinator/src/persistence/bounded-query.js';

interface Page {
  items: { sagaId: string; sagaType: string; status: string }[];
  nextCursor: string | null;
}

interface Operation {
  operationId: string;
  status: string;
  matched: number;
  applied: number;
  refused: number;
  remaining: number;
  refusals: { sagaId: string; reason: string }[];
}

describe('operators acting on sagas by query', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;
  let app: CoordinatorApp;
  const participant = `unserved${Date.now()}`;

  beforeAll(async () => {
    environment = await createEnvironment('it_bulk_operations');
    participants = await startKafkaParticipants(environment);
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      DEFINITIONS_POLL_MS: '200',
    });
    const put = await app.request('PUT', '/saga-definitions/held/versions/1', {
      body: holdDocument('held', participant),
    });
    expect(`${put.status} ${await put.text()}`).toMatch(/^201/);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await participants?.stop();
    await environment?.dispose();
  });

  async function startHeld(count: number, clients = 20): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < count) {
          next++;
          const response = await app.request('POST', '/sagas', {
            body: { sagaType: 'held', idempotencyKey: randomUUID(), input: {} },
          });
          expect(response.status).toBe(202);
          ids.push(((await response.json()) as { sagaId: string }).sagaId);
        }
      }),
    );
    return ids;
  }

  async function listAll(q: string): Promise<Page['items']> {
    const items: Page['items'] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ q, limit: '200', ...(cursor ? { cursor } : {}) });
      const response = await app.request('GET', `/sagas?${params}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }

  const history = async (sagaId: string) =>
    (await (await app.request('GET', `/sagas/${sagaId}`)).json()) as {
      steps: { stepId: string; status: string; attempt: number }[];
      history: { eventType: string; actor: string; detail: string; applied: boolean }[];
    };

  const finished = (operationId: string) =>
    waitFor(
      `bulk operation ${operationId} to finish`,
      async () => {
        const response = await app.request('GET', `/bulk-operations/${operationId}`);
        const operation = (await response.json()) as Operation;
        return operation.status !== 'running' ? operation : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 200 },
    );

  it('finds sagas by type, status, the step they are on, its participant and the failure code', async () => {
    const held = await startHeld(3);
    const key = `declined-${randomUUID()}`;
    const response = await app.request('POST', '/sagas', {
      body: {
        sagaType: 'order',
        idempotencyKey: key,
        input: { ...orderInput(key), amount: 50_000 },
      },
    });
    const declined = ((await response.json()) as { sagaId: string }).sagaId;
    await waitFor('the declined order to compensate', async () => {
      const saga = await (await app.request('GET', `/sagas/${declined}`)).json();
      return (saga as { status: string }).status === 'compensated';
    });
    const onHold = await listAll(
      `sagaType == "held" && step == "hold" && participant == "${participant}"`,
    );
    expect(onHold.map((saga) => saga.sagaId).sort()).toEqual([...held].sort());
    expect(await listAll('participant == "nobody-calls-this"')).toEqual([]);

    const failedOrders = await listAll(
      'sagaType == "order" && status == "compensated" && errorCode != "" && createdAt > now - duration("1h")',
    );
    expect(failedOrders.map((saga) => saga.sagaId)).toContain(declined);
    const bad = await app.request('GET', `/sagas?q=${encodeURIComponent('status == "lost"')}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      problems: [{ field: 'q', message: expect.stringContaining('status is one of') }],
    });
  });

  it('retries one step now, fencing the attempt before it, with the reason in the audit', async () => {
    const [sagaId] = await startHeld(1);
    const retried = await app.request('POST', `/sagas/${sagaId}/steps/hold/retry`, {
      body: { reason: 'the ledger lost the command' },
    });
    expect(retried.status).toBe(200);
    const saga = await history(sagaId!);
    expect(saga.steps[0]).toMatchObject({ stepId: 'hold', status: 'running', attempt: 2 });
    expect(saga.history.at(-1)).toMatchObject({
      eventType: 'retry-step',
      applied: true,
      detail: expect.stringContaining('retry of hold by key:admin: the ledger lost the command'),
    });
    const refused = await app.request('POST', `/sagas/${sagaId}/steps/finish/retry`, { body: {} });
    expect(refused.status).toBe(409);
  });

  it('cancels 5,000 sagas a query matched, audited, while other sagas keep completing', async () => {
    const targets = new Set(await startHeld(5_000, 50));
    const query = `sagaType == "held" && step == "hold" && status == "running"`;
    const dryRun = await app.request('POST', '/bulk-operations', {
      body: { action: 'cancel', query, reason: 'ledger retired', dryRun: true },
    });
    expect(dryRun.status).toBe(200);
    const preview = (await dryRun.json()) as { matched: number; byStatus: Record<string, number> };
    // The sagas of the earlier tests on hold count too.
    const earlier = (await listAll(query)).filter((saga) => !targets.has(saga.sagaId)).length;
    expect(preview.matched).toBe(5_000 + earlier);
    expect(preview.byStatus).toEqual({ running: 5_000 + earlier });
    expect(await listAll(`sagaType == "held" && status == "compensating"`)).toEqual([]);

    // Other traffic: order sagas started one after another by 10 clients throughout.
    let traffic = true;
    const completions: number[] = [];
    const others = Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        for (let n = 0; traffic; n++) {
          const sagaId = await startOrder(app, `traffic-${client}-${n}-${randomUUID()}`);
          await waitFor(`order ${sagaId} to complete`, async () => {
            const response = await app.request('GET', `/sagas/${sagaId}`);
            return ((await response.json()) as { status: string }).status === 'completed';
          });
          completions.push(Date.now());
        }
      }),
    );
    await waitFor('the other traffic to warm up', () => completions.length >= 20, {
      timeoutMs: 120_000,
    });

    const created = await app.request('POST', '/bulk-operations', {
      body: { action: 'cancel', query, reason: 'ledger retired' },
    });
    expect(created.status).toBe(202);
    const { operationId } = (await created.json()) as Operation;
    expect(created.headers.get('location')).toBe(`/bulk-operations/${operationId}`);
    const startedAt = Date.now();
    const operation = await finished(operationId);
    const endedAt = Date.now();
    const doneBefore = completions.length;
    await waitFor('200 completions after', () => completions.length >= doneBefore + 200, {
      timeoutMs: 300_000,
    });
    traffic = false;
    await others;
    const during = rate(completions, startedAt, endedAt);
    const after = rate(completions, endedAt, completions[doneBefore + 199]! + 1);
    console.log(
      `bulk cancel of ${operation.matched} sagas: ${endedAt - startedAt} ms ` +
        `(${Math.round((operation.matched * 1000) / (endedAt - startedAt))} sagas/s); ` +
        `other traffic (10 clients, one order saga at a time each): ${during.toFixed(1)} ` +
        `completed sagas/s during it, ${after.toFixed(1)} over the 200 after it`,
    );

    expect(operation).toMatchObject({
      status: 'done',
      matched: 5_000 + earlier,
      applied: 5_000 + earlier,
      refused: 0,
      remaining: 0,
    });
    const compensating = await listAll(`sagaType == "held" && status == "compensating"`);
    expect(compensating).toHaveLength(5_000 + earlier);
    // Each saga cancelled once, audited with the operation.
    const [audited] = await environment.db.query<{ entries: string; sagas: string }>(
      `SELECT count(*) AS entries, count(DISTINCT saga_id) AS sagas FROM saga_audit
       WHERE event_type = 'cancel' AND applied AND detail LIKE $1`,
      [`%(bulk operation ${operationId})%`],
    );
    expect(audited).toEqual({ entries: String(5_000 + earlier), sagas: String(5_000 + earlier) });
    const sample = [...targets].slice(0, 20);
    for (const sagaId of sample) {
      const cancel = (await history(sagaId)).history.find((entry) => entry.eventType === 'cancel');
      expect(cancel).toMatchObject({
        actor: 'key:admin',
        applied: true,
        detail: expect.stringContaining(`ledger retired (bulk operation ${operationId})`),
      });
    }
    const again = await app.request('POST', `/bulk-operations/${operationId}/stop`);
    expect(again.status).toBe(409);
  }, 900_000);

  it('refuses a real run that would act on more sagas than its dry run counted: 409, nothing done', async () => {
    const [clock] = await environment.db.query<{ since: string }>(
      `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS since`,
    );
    const query = `sagaType == "held" && status == "running" && createdAt >= timestamp("${clock!.since}")`;
    const request = { action: 'cancel', query, reason: 'checked by a dry run' };
    await startHeld(3);
    const dryRun = await app.request('POST', '/bulk-operations', {
      body: { ...request, dryRun: true },
    });
    const { matched } = (await dryRun.json()) as { matched: number };
    expect(matched).toBe(3);
    // Meanwhile, more sagas come to match the query.
    await startHeld(4);
    const operationsBefore = await environment.db.query(`SELECT id FROM bulk_operations`);

    const refused = await app.request('POST', '/bulk-operations', {
      body: { ...request, maxMatched: matched },
    });
    const problem = (await refused.json()) as { message: string };
    expect(`${refused.status} ${problem.message}`).toMatch(/^409 /);
    expect(problem.message).toBe(
      'the query matches 7 sagas to cancel now, more than the 3 expected (maxMatched): ' +
        'nothing was done; count them again with a dry run',
    );
    expect(await environment.db.query(`SELECT id FROM bulk_operations`)).toEqual(operationsBefore);
    expect(await listAll(query)).toHaveLength(7);

    // A dry run has no use for it: nothing it does could exceed it.
    const dryRunWithCount = await app.request('POST', '/bulk-operations', {
      body: { ...request, dryRun: true, maxMatched: 7 },
    });
    expect(dryRunWithCount.status).toBe(400);
    expect(await dryRunWithCount.json()).toMatchObject({ problems: [{ field: 'maxMatched' }] });

    // At the count, or above it, it runs.
    const retried = await app.request('POST', '/bulk-operations', {
      body: { ...request, action: 'retry', stepId: 'hold', maxMatched: 7 },
    });
    expect(retried.status).toBe(202);
    const retry = await finished(((await retried.json()) as Operation).operationId);
    expect(retry).toMatchObject({ status: 'done', matched: 7, applied: 7, refused: 0 });
    const cancelled = await app.request('POST', '/bulk-operations', {
      body: { ...request, maxMatched: 10 },
    });
    expect(cancelled.status).toBe(202);
    const cancel = await finished(((await cancelled.json()) as Operation).operationId);
    expect(cancel).toMatchObject({ status: 'done', matched: 7, applied: 7, refused: 0 });
    expect(await listAll(query)).toEqual([]);
  }, 120_000);

  it('puts a chunk back when its transaction fails, and acts on each saga once all the same', async () => {
    const ids = await startHeld(250);
    // The first two chunks fail as they record their counts; a sequence is not rolled back.
    await environment.db.query(`CREATE SEQUENCE bulk_faults`);
    await environment.db.query(`
      CREATE FUNCTION bulk_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.applied > OLD.applied AND nextval('bulk_faults') <= 2 THEN
          RAISE EXCEPTION 'injected fault';
        END IF;
        RETURN NEW;
      END $$`);
    await environment.db.query(`CREATE TRIGGER bulk_fault BEFORE UPDATE ON bulk_operations
      FOR EACH ROW EXECUTE FUNCTION bulk_fault()`);
    try {
      const created = await app.request('POST', '/bulk-operations', {
        body: {
          action: 'retry',
          stepId: 'hold',
          query: `sagaType == "held" && status == "running"`,
          reason: 'resend after the fault',
        },
      });
      expect(created.status).toBe(202);
      const operation = await finished(((await created.json()) as Operation).operationId);
      expect(operation).toMatchObject({ status: 'done', refused: 0, remaining: 0 });
      expect(operation.applied).toBe(operation.matched);
      const [sequence] = await environment.db.query<{ faults: string }>(
        `SELECT last_value AS faults FROM bulk_faults`,
      );
      expect(Number(sequence?.faults)).toBeGreaterThanOrEqual(3);
      const retried = await environment.db.query<{ saga_id: string; entries: string }>(
        `SELECT saga_id, count(*) AS entries FROM saga_audit
         WHERE event_type = 'retry-step' AND applied AND detail LIKE $1 GROUP BY saga_id`,
        [`%(bulk operation ${operation.operationId})%`],
      );
      expect(retried).toHaveLength(operation.matched);
      expect(retried.every((row) => row.entries === '1')).toBe(true);
      expect(retried.map((row) => row.saga_id)).toEqual(expect.arrayContaining(ids));
    } finally {
      await environment.db.query(`DROP TRIGGER bulk_fault ON bulk_operations`);
      await environment.db.query(`DROP FUNCTION bulk_fault`);
      await environment.db.query(`DROP SEQUENCE bulk_faults`);
    }
  }, 120_000);

  it('stops an operation while a chunk is in hand, without waiting for that chunk', async () => {
    const [clock] = await environment.db.query<{ since: string }>(
      `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS since`,
    );
    const since = clock!.since;
    const ids = (await startHeld(150)).sort();
    // Hold the first target (chunks go in saga id order): the first chunk waits for it.
    const holder = await environment.db.pool.connect();
    let holding = true;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM sagas WHERE id = $1 FOR UPDATE`, [ids[0]]);
      const { rows } = await holder.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
      const pid = rows[0]!.pid;
      const created = await app.request('POST', '/bulk-operations', {
        body: {
          action: 'cancel',
          query: `sagaType == "held" && createdAt >= timestamp("${since}")`,
          reason: 'r',
        },
      });
      const { operationId, matched } = (await created.json()) as Operation;
      expect(matched).toBe(150);
      await waitFor('the first chunk to wait for the held saga', async () => {
        const [row] = await environment.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
          [pid],
        );
        return Number(row?.n) > 0;
      });
      // Answered while the chunk still waits: the stop takes none of the chunk's targets.
      const stopped = await app.request('POST', `/bulk-operations/${operationId}/stop`);
      expect(stopped.status).toBe(200);
      expect(await stopped.json()).toMatchObject({ status: 'stopped', applied: 0 });
      await holder.query('ROLLBACK');
      holding = false;
      const ended = await waitFor('the chunk in hand to be counted', async () => {
        const response = await app.request('GET', `/bulk-operations/${operationId}`);
        const operation = (await response.json()) as Operation;
        return operation.applied + operation.refused === 100 ? operation : undefined;
      });
      expect(ended).toMatchObject({ status: 'stopped', remaining: 50 });
      const [left] = await environment.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM bulk_operation_targets WHERE operation_id = $1`,
        [operationId],
      );
      expect(left?.n).toBe('0');
    } finally {
      if (holding) await holder.query('ROLLBACK');
      holder.release();
    }
  }, 120_000);

  it('counts a saga whose every transaction fails as refused, and acts on the others', async () => {
    const ids = await startHeld(20);
    const poisoned = ids[7]!;
    await environment.db.query(`
      CREATE FUNCTION poisoned_saga() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = '${poisoned}' THEN RAISE EXCEPTION 'poisoned'; END IF;
        RETURN NEW;
      END $$`);
    await environment.db.query(`CREATE TRIGGER poisoned_saga BEFORE UPDATE ON sagas
      FOR EACH ROW EXECUTE FUNCTION poisoned_saga()`);
    try {
      const created = await app.request('POST', '/bulk-operations', {
        body: { action: 'cancel', query: `sagaType == "held" && status == "running"`, reason: 'r' },
      });
      const operation = await finished(((await created.json()) as Operation).operationId);
      expect(operation).toMatchObject({ status: 'done', refused: 1, remaining: 0 });
      expect(operation.applied).toBe(operation.matched - 1);
      expect(operation.refusals).toEqual([
        { sagaId: poisoned, reason: expect.stringContaining('not acted on') },
      ]);
      const saga = (await (await app.request('GET', `/sagas/${poisoned}`)).json()) as {
        status: string;
      };
      expect(saga.status).toBe('running');
    } finally {
      await environment.db.query(`DROP TRIGGER poisoned_saga ON sagas`);
      await environment.db.query(`DROP FUNCTION poisoned_saga`);
    }
  }, 120_000);

  it("cuts off an operator query that runs too long, as the caller's to narrow; reads only", async () => {
    const slow = withinQueryBound(
      environment.db,
      'q',
      (sql) => sql.query(`SELECT pg_sleep(5)`),
      200,
    );
    await expect(slow).rejects.toMatchObject({
      name: 'InvalidSagaQueryError',
      field: 'q',
      message: expect.stringContaining('ran longer than 0.2 s'),
    });
    const write = withinQueryBound(environment.db, 'q', (sql) =>
      sql.query(`UPDATE sagas SET status = status`),
    );
    expect(sqlStateOf(await write.catch((error: unknown) => error))).toBe('25006');
  });

  it('stores the targets of a real run apart from its query bound: a slow write is no 400', async () => {
    const key = randomUUID();
    const started = await app.request('POST', '/sagas', {
      body: { sagaType: 'held', idempotencyKey: key, input: {} },
    });
    const { sagaId } = (await started.json()) as { sagaId: string };
    // Writing the targets takes longer than the bound of an operator's query (10 s); the query
    // itself, the dry run's, is quick. On the product the two shared that one bound.
    await environment.db.query(
      `CREATE FUNCTION slow_targets() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_sleep(${(SAGA_QUERY_TIMEOUT_MS + 500) / 1000}); RETURN NULL; END $$`,
    );
    await environment.db.query(
      `CREATE TRIGGER slow_targets AFTER INSERT ON bulk_operation_targets
       FOR EACH STATEMENT EXECUTE FUNCTION slow_targets()`,
    );
    try {
      const created = await app.request('POST', '/bulk-operations', {
        body: { action: 'cancel', query: `idempotencyKey == "${key}"`, reason: 'slow disk' },
      });
      const body = await created.text();
      expect(`${created.status} ${body}`).toMatch(/^202 /);
      const operation = await finished((JSON.parse(body) as Operation).operationId);
      expect(operation).toMatchObject({ status: 'done', matched: 1, applied: 1 });
    } finally {
      await environment.db.query(`DROP TRIGGER slow_targets ON bulk_operation_targets`);
      await environment.db.query(`DROP FUNCTION slow_targets`);
    }
    expect((await history(sagaId)).history.map((line) => line.eventType)).toContain('cancel');
  }, 120_000);

  it('refuses a bad query naming its field; an operation with nothing to do ends at once', async () => {
    const bad = await app.request('POST', '/bulk-operations', {
      body: { action: 'resume', query: 'sagaType ==', reason: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ problems: [{ field: 'query' }] });
    const noStep = await app.request('POST', '/bulk-operations', {
      body: { action: 'retry', query: 'true', reason: 'x' },
    });
    expect(noStep.status).toBe(400);
    expect(await noStep.json()).toMatchObject({ problems: [{ field: 'stepId' }] });

    // Nothing matches a resume of running sagas: done at once, with nothing to do.
    const none = await app.request('POST', '/bulk-operations', {
      body: { action: 'resume', query: 'sagaType == "held"', reason: 'nothing is stuck' },
    });
    expect(none.status).toBe(202);
    const operation = await finished(((await none.json()) as Operation).operationId);
    expect(operation).toMatchObject({ status: 'done', matched: 0, applied: 0, remaining: 0 });
    const listed = (await (await app.request('GET', '/bulk-operations?limit=1')).json()) as {
      items: Operation[];
      nextCursor: string | null;
    };
    expect(listed.items[0]?.operationId).toBe(operation.operationId);
    expect(listed.nextCursor).toBe(operation.operationId);
  });
});

/** Completions per second within [from, to). */
function rate(times: readonly number[], from: number, to: number): number {
  const count = times.filter((time) => time >= from && time < to).length;
  return (count * 1000) / Math.max(1, to - from);
}
