// The saga HTTP API over a fake SagaOperations and the real PostgresSagaQueries, in a schema of
// its own on the real Postgres; requests go over a real socket with fetch.
import type { Database } from '#postgres';
import { randomUUID } from 'node:crypto';
import { createSagaRegistry } from '#saga-core';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  IdempotencyConflictError,
  IllegalSagaActionError,
  InvalidSagaInputError,
  SagaCapacityError,
  SagaNotFoundError,
  UnknownSagaTypeError,
} from '../../../apps/coordinator/src/application/saga-errors.js';
import {
  SAGA_OPERATIONS,
  type OperatorActionAnswer,
  type SagaOperations,
  type StartSagaAnswer,
  type StartSagaRequest,
} from '../../../apps/coordinator/src/application/saga-operations.js';
import { PARTICIPANT_HEALTH } from '../../../apps/coordinator/src/resilience/participant-health.js';
import { SAGA_QUERIES } from '../../../apps/coordinator/src/application/saga-queries.js';
import { configureHttp, HttpApiModule } from '../../../apps/coordinator/src/http/index.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { PostgresSagaQueries } from '../../../apps/coordinator/src/persistence/saga-queries.postgres.js';
import { uniqueName } from '../../support/services.js';
import { createHttpSecurity } from '../../../apps/coordinator/src/http/create-http-security.js';
import { loadCoordinatorConfig } from '../../../apps/coordinator/src/config/coordinator-config.js';
import { ADMIN_HEADERS, CONFIG_ONLY, TEST_SECURITY_ENV } from '../../support/test-credentials.js';
import { checkoutSaga, insertAudit, insertSaga, insertTimer } from './saga-rows.js';

/** Answers like the real service would, and lets a test make the next call fail. */
class FakeSagaOperations implements SagaOperations {
  readonly sagas = new Map<string, StartSagaAnswer>();
  readonly calls: unknown[][] = [];
  failure: Error | undefined;

  async start(request: StartSagaRequest): Promise<StartSagaAnswer> {
    this.calls.push(['start', request]);
    this.throwFailure();
    const key = `${request.sagaType}:${request.idempotencyKey}`;
    const known = this.sagas.get(key);
    if (known) return { ...known, created: false };
    const answer = { sagaId: randomUUID(), created: true, status: 'running' as const };
    this.sagas.set(key, answer);
    return answer;
  }

  async cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    this.calls.push(['cancel', sagaId, actor, reason]);
    this.throwFailure();
    return { sagaId, status: 'compensating' };
  }

  async resume(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    this.calls.push(['resume', sagaId, actor, reason]);
    this.throwFailure();
    return { sagaId, status: 'running' };
  }

  async retryStep(
    sagaId: string,
    stepId: string,
    actor: string,
    reason?: string,
  ): Promise<OperatorActionAnswer> {
    this.calls.push(['retry-step', sagaId, stepId, actor, reason]);
    this.throwFailure();
    return { sagaId, status: 'running' };
  }

  private throwFailure(): void {
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }
}

/** fetch as the admin test key: these tests are about the API, not authentication. */
const authFetch = (input: string, init: RequestInit = {}) =>
  fetch(input, {
    ...init,
    headers: { ...ADMIN_HEADERS, ...(init.headers as Record<string, string>) },
  });

describe('the saga HTTP API', () => {
  const schema = uniqueName('it_http');
  const operations = new FakeSagaOperations();
  let database: Database;
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
    const queries = new PostgresSagaQueries(database, createSagaRegistry([checkoutSaga]));
    app = await NestFactory.create<NestExpressApplication>(
      HttpApiModule.register({
        providers: [
          { provide: SAGA_OPERATIONS, useValue: operations },
          { provide: SAGA_QUERIES, useValue: queries },
          {
            provide: PARTICIPANT_HEALTH,
            useValue: { list: async () => [], get: async () => undefined },
          },
        ],
        security: createHttpSecurity(
          loadCoordinatorConfig({ ...CONFIG_ONLY, ...TEST_SECURITY_ENV }).security,
        ),
      }),
      // abortOnError: a module that cannot be built fails this suite, not the whole run.
      { logger: false, abortOnError: false },
    );
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    if (database !== undefined) await dropMigratedSchema(database, schema);
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    authFetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const startBody = { sagaType: 'order-checkout', idempotencyKey: 'k-1', input: { amount: 5 } };

  /** The `problems` of an error answer, after checking its status and shape. */
  async function problemsOf(response: Response, status: number): Promise<unknown> {
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(status);
    expect(body).toMatchObject({ statusCode: status, error: expect.any(String) });
    expect(typeof body.message).toBe('string');
    return body.problems;
  }

  describe('POST /sagas', () => {
    it('answers 202 with the saga and its Location, then the same saga for the same key', async () => {
      const first = await post('/sagas', startBody);
      expect(first.status).toBe(202);
      const answer = (await first.json()) as StartSagaAnswer;
      expect(answer).toEqual({ sagaId: expect.any(String), created: true, status: 'running' });
      expect(first.headers.get('location')).toBe(`/sagas/${answer.sagaId}`);

      const again = await post('/sagas', startBody);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ ...answer, created: false });
      expect(operations.calls.at(-1)).toEqual(['start', startBody]);
    });

    it('says nothing of the server it runs on, and hashes no body for an ETag', async () => {
      const started = await post('/sagas', { ...startBody, idempotencyKey: 'k-headers' });
      const refused = await post('/sagas', { sagaType: 7 });
      for (const response of [started, refused]) {
        expect(response.headers.get('x-powered-by')).toBeNull();
        expect(response.headers.get('etag')).toBeNull();
      }
      expect([started.status, refused.status]).toEqual([202, 400]);
    });

    it('lets no browser or proxy keep an answer: a saga may be shown with its sensitive fields', async () => {
      const started = await post('/sagas', { ...startBody, idempotencyKey: 'k-cache' });
      const refused = await post('/sagas', { sagaType: 7 });
      for (const response of [started, refused]) {
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('names a missing field, a field of the wrong type and an unknown field', async () => {
      const response = await post('/sagas', { sagaType: 7, input: {}, extra: true });
      expect(await problemsOf(response, 400)).toEqual(
        expect.arrayContaining([
          { field: 'sagaType', message: expect.stringMatching(/expected string/) },
          { field: 'idempotencyKey', message: 'required' },
          { field: 'extra', message: 'unknown field' },
        ]),
      );
    });

    it('names the field inside the input that the definition refuses', async () => {
      operations.failure = new InvalidSagaInputError([
        { path: 'amount', message: 'must be positive' },
      ]);
      const response = await post('/sagas', startBody);
      expect(await problemsOf(response, 400)).toEqual([
        { field: 'input.amount', message: 'must be positive' },
      ]);
    });

    it('answers 400 naming sagaType for an unknown saga type', async () => {
      operations.failure = new UnknownSagaTypeError('no saga named "nope"');
      const response = await post('/sagas', { ...startBody, sagaType: 'nope' });
      expect(await problemsOf(response, 400)).toEqual([
        { field: 'sagaType', message: 'no saga named "nope"' },
      ]);
    });

    it('answers 400 naming the body for malformed JSON and for a body that is not an object', async () => {
      for (const body of ['{"sagaType": ', '"just a string"', '42', '[1, 2]']) {
        const response = await post('/sagas', body);
        expect(await problemsOf(response, 400)).toEqual([
          { field: 'body', message: expect.any(String) },
        ]);
      }
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const input = { blob: 'x'.repeat(1_100_000) };
      const response = await post('/sagas', { ...startBody, input });
      await problemsOf(response, 413);
    });

    it('answers 415 for a body that is not JSON', async () => {
      const response = await authFetch(`${url}/sagas`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'sagaType=order-checkout&idempotencyKey=k&input=1',
      });
      await problemsOf(response, 415);
    });

    it('answers 409 when the key was used with another input', async () => {
      operations.failure = new IdempotencyConflictError('key k-1 was used with another input');
      const response = await post('/sagas', startBody);
      expect(await problemsOf(response, 409)).toEqual([
        { field: 'idempotencyKey', message: expect.any(String) },
      ]);
    });

    it('answers 429 with Retry-After while too many sagas are in flight', async () => {
      operations.failure = SagaCapacityError.atCap(10_000, 10_000);
      const response = await post('/sagas', startBody);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { message: string }).message).toContain(
        'the limit is 10000',
      );
    });

    it('answers 429 with Retry-After when a start waited too long for the replies', async () => {
      operations.failure = SagaCapacityError.repliesBehind(5_000, () => 0.99);
      const response = await post('/sagas', startBody);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(((await response.json()) as { message: string }).message).toContain(
        'the start waited 5000 ms',
      );
    });

    it('answers 500 without the error text, which may hold a secret', async () => {
      operations.failure = new Error('connection to postgres://app:s3cret@db failed');
      const response = await post('/sagas', startBody);
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(JSON.parse(text)).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error',
      });
      expect(text).not.toContain('s3cret');
    });
  });

  describe('POST /sagas/:id/cancel and /resume', () => {
    it('cancels with the reason, the authenticated caller as the actor (x-actor is ignored)', async () => {
      const sagaId = randomUUID();
      const response = await post(
        `/sagas/${sagaId}/cancel`,
        { reason: 'customer asked' },
        { 'x-actor': 'ops:alice' },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sagaId, status: 'compensating' });
      expect(operations.calls.at(-1)).toEqual(['cancel', sagaId, 'key:admin', 'customer asked']);
    });

    it('resumes without a body, as the authenticated caller', async () => {
      const sagaId = randomUUID();
      const response = await authFetch(`${url}/sagas/${sagaId}/resume`, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sagaId, status: 'running' });
      expect(operations.calls.at(-1)).toEqual(['resume', sagaId, 'key:admin', undefined]);
    });

    it('refuses an action whose body is not JSON (415)', async () => {
      const calls = operations.calls.length;
      const sagaId = randomUUID();
      const form = await authFetch(`${url}/sagas/${sagaId}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=x',
      });
      await problemsOf(form, 415);
      const retry = await authFetch(`${url}/sagas/${sagaId}/steps/a/retry`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"reason":"a page sent this"}',
      });
      await problemsOf(retry, 415);
      expect(operations.calls).toHaveLength(calls);
    });

    it('answers 409 for an action the saga’s state does not allow', async () => {
      operations.failure = new IllegalSagaActionError('a completed saga cannot be cancelled');
      const response = await post(`/sagas/${randomUUID()}/cancel`, {});
      await problemsOf(response, 409);
    });

    it('answers 404 for an unknown saga', async () => {
      const sagaId = randomUUID();
      operations.failure = new SagaNotFoundError(sagaId);
      await problemsOf(await post(`/sagas/${sagaId}/resume`, {}), 404);
    });

    it('names a bad id and an unknown field', async () => {
      expect(await problemsOf(await post('/sagas/nope/cancel', {}), 400)).toEqual([
        { field: 'id', message: 'must be a UUID' },
      ]);
      const extra = await post(`/sagas/${randomUUID()}/cancel`, { reason: 'r', force: true });
      expect(await problemsOf(extra, 400)).toEqual([{ field: 'force', message: 'unknown field' }]);
    });

    it('refuses a query string it does not read, naming each field, and does nothing', async () => {
      const calls = operations.calls.length;
      const cancel = await post(`/sagas/${randomUUID()}/cancel?reason=customer+asked&force=1`, {});
      expect(await problemsOf(cancel, 400)).toEqual([
        { field: 'reason', message: 'unknown field' },
        { field: 'force', message: 'unknown field' },
      ]);
      const read = await authFetch(`${url}/sagas/${randomUUID()}?fields=all`);
      expect(await problemsOf(read, 400)).toEqual([{ field: 'fields', message: 'unknown field' }]);
      expect(operations.calls).toHaveLength(calls);
      // A route that reads its query still takes it, checked by its schema.
      expect((await authFetch(`${url}/sagas?limit=1`)).status).toBe(200);
    });
  });

  describe('GET /sagas/:id', () => {
    it('shows the saga with its steps in declaration order and its history in order', async () => {
      const sagaId = randomUUID();
      await insertSaga(database, {
        id: sagaId,
        status: 'compensating',
        createdAt: '2026-11-01T10:00:00.000Z',
        state: {
          input: { amount: 5 },
          context: { amount: 5, reservationId: 'r-1' },
          cause: { type: 'cancelled', actor: 'ops:alice', reason: 'customer asked' },
          steps: {
            'reserve-stock': {
              status: 'compensating',
              attempt: 1,
              sentAt: 1,
              outcomeUnknown: false,
              budgetFrom: 1,
            },
            pay: {
              status: 'failed',
              attempts: 2,
              outcome: { status: 'error', code: 'timeout', message: 'no reply' },
            },
            ship: { status: 'pending' },
          },
        },
      });
      await insertTimer(database, sagaId, 'reserve-stock', {
        kind: 'compensation-timeout',
        attempt: 1,
        dueAt: '2026-11-01T10:00:05.000Z',
      });
      await insertAudit(database, sagaId, {
        eventType: 'start',
        toStatus: 'running',
        detail: 'started',
      });
      await insertAudit(database, sagaId, {
        eventType: 'cancel',
        fromStatus: 'running',
        toStatus: 'compensating',
        actor: 'ops:alice',
        detail: 'cancelled: customer asked',
      });
      await insertAudit(database, sagaId, {
        eventType: 'reply',
        fromStatus: 'compensating',
        toStatus: 'compensating',
        stepId: 'pay',
        attempt: 1,
        applied: false,
        detail: 'reply for an old attempt',
      });

      const response = await authFetch(`${url}/sagas/${sagaId}`);
      expect(response.status).toBe(200);
      const view = (await response.json()) as Record<string, unknown>;
      expect(view).toMatchObject({
        sagaId,
        sagaType: 'order-checkout',
        sagaVersion: 1,
        status: 'compensating',
        createdAt: '2026-11-01T10:00:00.000Z',
        input: { amount: 5 },
        context: { amount: 5, reservationId: 'r-1' },
        cause: { type: 'cancelled', actor: 'ops:alice', reason: 'customer asked' },
        reason: null,
      });
      expect(view.steps).toEqual([
        {
          stepId: 'reserve-stock',
          status: 'compensating',
          attempt: 1,
          nextWakeupAt: '2026-11-01T10:00:05.000Z',
          lastOutcome: null,
        },
        {
          stepId: 'pay',
          status: 'failed',
          attempt: 2,
          nextWakeupAt: null,
          lastOutcome: { status: 'error', code: 'timeout', message: 'no reply' },
        },
        { stepId: 'ship', status: 'pending', attempt: 0, nextWakeupAt: null, lastOutcome: null },
      ]);
      expect(view.history).toEqual([
        expect.objectContaining({
          eventType: 'start',
          fromStatus: null,
          actor: null,
          applied: true,
        }),
        expect.objectContaining({ eventType: 'cancel', actor: 'ops:alice', applied: true }),
        expect.objectContaining({ eventType: 'reply', stepId: 'pay', attempt: 1, applied: false }),
      ]);
      expect(view.historyTruncated).toBe(false);
    });

    it('shows the latest 500 lines of a long history, and says earlier ones are left out', async () => {
      const sagaId = randomUUID();
      await insertSaga(database, {
        id: sagaId,
        status: 'running',
        createdAt: '2026-11-01T10:00:00.000Z',
        state: { input: { amount: 5 }, context: { amount: 5 }, steps: {} },
      });
      // A step after the pivot retried for days: 600 lines.
      await database.query(
        `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail)
         SELECT $1, now(), 'wakeup', 'running', true, 'retry ' || n FROM generate_series(1, 600) n`,
        [sagaId],
      );
      const view = (await (await authFetch(`${url}/sagas/${sagaId}`)).json()) as {
        history: { detail: string }[];
        historyTruncated: boolean;
      };
      expect(view.historyTruncated).toBe(true);
      expect(view.history).toHaveLength(500);
      expect(view.history[0]!.detail).toBe('retry 101');
      expect(view.history[499]!.detail).toBe('retry 600');
    });

    it('answers 404 for an unknown id and 400 naming id for one that is not a UUID', async () => {
      await problemsOf(await authFetch(`${url}/sagas/${randomUUID()}`), 404);
      expect(await problemsOf(await authFetch(`${url}/sagas/not-a-uuid`), 400)).toEqual([
        { field: 'id', message: 'must be a UUID' },
      ]);
    });
  });

  describe('GET /sagas', () => {
    const listed = async (
      query: string,
    ): Promise<{ items: { sagaId: string }[]; nextCursor: string | null }> => {
      const response = await authFetch(`${url}/sagas?${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as { items: { sagaId: string }[]; nextCursor: string | null };
    };
    const ids: string[] = [];

    beforeAll(async () => {
      // Seven "listing" sagas, newest last; the last two share their creation time.
      const times = ['01', '02', '03', '04', '05', '06', '06'];
      for (const [index, minute] of times.entries()) {
        const id = randomUUID();
        ids.push(id);
        await insertSaga(database, {
          id,
          sagaType: 'listing',
          status: index % 2 === 0 ? 'completed' : 'compensated',
          createdAt: `2026-10-01T08:${minute}:00.123456Z`,
        });
      }
    });

    it('pages through every saga of a type, newest first, with the cursor', async () => {
      const newestFirst = [...ids.slice(0, 5)].reverse();
      const tied = ids.slice(5).sort().reverse();
      const expected = [...tied, ...newestFirst];
      const seen: string[] = [];
      let cursor: string | null = null;
      const pages: number[] = [];
      do {
        const page = await listed(`sagaType=listing&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        pages.push(page.items.length);
        seen.push(...page.items.map((item) => item.sagaId));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(pages).toEqual([3, 3, 1]);
      expect(seen).toEqual(expected);
    });

    it('filters by status and by creation time, from inclusive to exclusive', async () => {
      const compensated = await listed('sagaType=listing&status=compensated');
      expect(compensated.items.map((item) => item.sagaId).sort()).toEqual(
        [ids[1], ids[3], ids[5]].sort(),
      );
      const window = await listed(
        `sagaType=listing&createdFrom=2026-10-01T08:02:00.123456Z&createdTo=2026-10-01T10:04:00%2B02:00`,
      );
      expect(window.items.map((item) => item.sagaId)).toEqual([ids[2], ids[1]]);
      expect(window.nextCursor).toBeNull();
    });

    it('names a bad limit, status, time, cursor or unknown parameter', async () => {
      const cases: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=ten', 'limit'],
        ['status=lost', 'status'],
        ['createdFrom=yesterday', 'createdFrom'],
        ['createdFrom=2026-10-02T00:00:00Z&createdTo=2026-10-01T00:00:00Z', 'createdTo'],
        ['cursor=not-a-cursor', 'cursor'],
        ['cursor=%2F%2F%2F', 'cursor'],
        ['colour=red', 'colour'],
      ];
      for (const [query, field] of cases) {
        const problems = await problemsOf(await authFetch(`${url}/sagas?${query}`), 400);
        expect([query, problems]).toEqual([query, [{ field, message: expect.any(String) }]]);
      }
    });
  });

  it('serves the OpenAPI document listing every route with its parameters and bodies', async () => {
    const response = await authFetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    type Operation = {
      parameters?: { name: string }[];
      requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
      responses: Record<string, unknown>;
    };
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/participants',
      '/participants/{name}',
      '/sagas',
      '/sagas/{id}',
      '/sagas/{id}/cancel',
      '/sagas/{id}/resume',
      '/sagas/{id}/steps/{stepId}/retry',
    ]);
    const sagas = document.paths['/sagas'];
    expect(Object.keys(sagas ?? {}).sort()).toEqual(['get', 'post']);
    expect(sagas?.get?.parameters?.map((p) => p.name)).toEqual([
      'status',
      'sagaType',
      'createdFrom',
      'createdTo',
      'q',
      'limit',
      'cursor',
    ]);
    const q = sagas?.get?.parameters?.find((p) => p.name === 'q') as { description?: string };
    expect(q.description).toContain('docs/QUERIES.md');
    const start = sagas?.post;
    expect(start?.requestBody?.content['application/json']?.schema.required).toEqual([
      'sagaType',
      'idempotencyKey',
      'input',
    ]);
    expect(Object.keys(start?.responses ?? {})).toEqual([
      '202',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '429',
    ]);
    expect((await authFetch(`${url}/docs`)).status).toBe(200);
  });
});
