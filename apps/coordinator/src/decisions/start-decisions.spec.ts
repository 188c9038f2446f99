import { SagaAdmission } from '../resilience/saga-admission.js';
import { MemoryStore, runnerOn } from './memory-saga-store.fixture.js';
import { StartDecisions } from './start-decisions.js';

const input = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'sku-1', quantity: 1 }],
  amount: 120,
  currency: 'EUR',
});
const start = (idempotencyKey: string, orderId = idempotencyKey) => ({
  sagaType: 'order',
  idempotencyKey,
  input: input(orderId),
});

describe('StartDecisions: new sagas in one statement', () => {
  let store: MemoryStore;
  let starts: StartDecisions;
  let admission: SagaAdmission;

  beforeEach(async () => {
    store = new MemoryStore();
    admission = new SagaAdmission(1_000);
    starts = new StartDecisions(runnerOn(store), admission, 64 * 1024);
    // The first decision reads the database's clock in a transaction; then none is needed.
    const [first] = await starts.startMany([start('first')]);
    expect(first).toMatchObject({ created: true });
    expect(store.transactions).toBe(1);
    expect(store.writesAlone).toBe(0);
  });

  const sagasOf = (idempotencyKey: string) =>
    [...store.rows.values()].filter((row) => row.idempotencyKey === idempotencyKey);

  it('starts fresh keys with one write alone: no transaction, no lookup', async () => {
    const answers = await starts.startMany([start('a'), start('b')]);
    expect(answers).toEqual([
      { sagaId: sagasOf('a')[0]!.state.sagaId, created: true, status: 'running' },
      { sagaId: sagasOf('b')[0]!.state.sagaId, created: true, status: 'running' },
    ]);
    expect(store.writesAlone).toBe(1);
    expect(store.transactions).toBe(1);
    expect(admission.count).toBe(3);
  });

  it('answers a key already taken with its saga: the write alone fails whole, the transaction looks the keys up', async () => {
    const [taken] = await starts.startMany([start('a')]);
    const answers = await starts.startMany([start('a'), start('b'), start('a', 'other')]);
    expect(answers[0]).toEqual({ ...(taken as object), created: false });
    expect(answers[1]).toMatchObject({ created: true });
    expect((answers[2] as Error).message).toContain('with another input');
    expect(store.writesAlone).toBe(2); // a, then the one that failed and wrote nothing
    expect(store.transactions).toBe(2);
    expect(sagasOf('a')).toHaveLength(1);
    expect(sagasOf('b')).toHaveLength(1);
    expect(admission.count).toBe(3); // first, a, b
  });

  it('starts a key given twice once, and answers the copy like a retry', async () => {
    const [one, copy] = await starts.startMany([start('c'), start('c')]);
    expect(one).toMatchObject({ created: true });
    expect(copy).toEqual({ ...(one as object), created: false });
    expect(sagasOf('c')).toHaveLength(1);
    expect(store.transactions).toBe(1);
  });

  it('starts again in a transaction when the write alone lost its connection', async () => {
    store.failNextAlone = new Error('Connection terminated unexpectedly');
    const [answer] = await starts.startMany([start('d')]);
    expect(answer).toMatchObject({ created: true });
    expect(sagasOf('d')).toHaveLength(1);
    expect(store.transactions).toBe(2);
  });

  it('throws any other failure of the write alone', async () => {
    store.failNextAlone = new Error('value too long for type character varying(64)');
    await expect(starts.startMany([start('e')])).rejects.toThrow('value too long');
    expect(sagasOf('e')).toHaveLength(0);
    expect(store.transactions).toBe(1);
  });
});
