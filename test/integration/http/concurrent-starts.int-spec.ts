// POST /sagas under concurrency on the real Postgres and Kafka: starts that arrive together
// share transactions (GroupedStarts), and each still gets its own answer: a new saga, the saga
// its key already started, or its own refusal, never a neighbour's.
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import {
  createEnvironment,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { orderInput } from '../../support/saga-load.js';

interface Answer {
  status: number;
  body: { sagaId?: string; created?: boolean; message?: string; problems?: { field: string }[] };
}

describe('concurrent starts over HTTP', () => {
  let environment: CoordinatorEnvironment;
  let app: CoordinatorApp;

  beforeAll(async () => {
    environment = await createEnvironment('it_starts');
    // Quiet: the refusals this test asks for would each log a warning.
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      LOG_LEVEL: 'error',
    });
  });

  afterAll(async () => {
    await app?.close();
    await environment?.dispose();
  });

  const post = async (body: unknown): Promise<Answer> => {
    const response = await app.request('POST', '/sagas', { body });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };

  it('answers each of 120 concurrent starts for itself', async () => {
    const distinct = Array.from({ length: 60 }, (_, i) => `distinct-${i}`);
    const requests = [
      ...distinct.map((key) => ({ kind: 'distinct', key, input: orderInput(key) })),
      ...Array.from({ length: 30 }, () => ({
        kind: 'repeat',
        key: 'repeated',
        input: orderInput('repeated'),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        kind: 'conflict',
        key: 'repeated',
        input: orderInput(`other-${i}`),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        kind: 'invalid',
        key: `invalid-${i}`,
        input: { ...orderInput(`invalid-${i}`), amount: -1 },
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        kind: 'unknown-type',
        key: `unknown-${i}`,
        input: orderInput(`unknown-${i}`),
      })),
    ];
    // Interleaved, so that every group mixes kinds.
    const order = requests.map((_, i) => (i * 37) % requests.length);
    expect(new Set(order).size).toBe(requests.length);
    const answers = new Map<number, Answer>();
    await Promise.all(
      order.map(async (i) => {
        const { kind, key, input } = requests[i]!;
        const sagaType = kind === 'unknown-type' ? 'no-such-saga' : 'order';
        answers.set(i, await post({ sagaType, idempotencyKey: key, input }));
      }),
    );

    const of = (kind: string) =>
      requests.flatMap((request, i) => (request.kind === kind ? [answers.get(i)!] : []));
    for (const answer of of('distinct')) {
      expect(answer).toMatchObject({ status: 202, body: { created: true } });
    }
    const distinctIds = new Set(of('distinct').map((a) => a.body.sagaId));
    expect(distinctIds.size).toBe(distinct.length);

    // The repeated key: whichever of the 40 went first started the saga (a conflicting input
    // may have been first), and every repeat with the same input got that saga back.
    const repeats = of('repeat');
    const conflicts = of('conflict');
    const creators = [...repeats, ...conflicts].filter((a) => a.body.created === true);
    expect(creators).toHaveLength(1);
    const repeatedId = creators[0]!.body.sagaId;
    const firstWasConflict = conflicts.includes(creators[0]!);
    for (const answer of repeats) {
      expect(answer.status).toBe(firstWasConflict ? 409 : 202);
      if (!firstWasConflict) expect(answer.body.sagaId).toBe(repeatedId);
    }
    expect(conflicts.filter((a) => a.status === 409).length).toBe(
      firstWasConflict ? conflicts.length - 1 : conflicts.length,
    );

    for (const answer of of('invalid')) {
      expect(answer.status).toBe(400);
      expect(answer.body.problems?.map((p) => p.field)).toContain('input.amount');
    }
    for (const answer of of('unknown-type')) {
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain('no-such-saga');
    }

    const rows = await environment.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM sagas`,
    );
    expect(rows[0]?.count).toBe(distinct.length + 1);
  });
});
