import { createSagaEngine } from '#saga-core';
import { SagaAdmission } from '../resilience/saga-admission.js';
import type { DecisionRunner } from './decision-runner.js';
import { MemoryStore, NOW, orderInput, registry, runnerOn } from './memory-saga-store.fixture.js';
import { StartDecisions } from './start-decisions.js';

const start = (idempotencyKey: string, orderId = idempotencyKey) => ({
  sagaType: 'order',
  idempotencyKey,
  input: orderInput(orderId),
});

/** The commands the gate counts in flight, every participant together. */
const inFlight = (runner: DecisionRunner) =>
  runner.parts.gate.status([]).reduce((sum, load) => sum + load.commandsInFlight, 0);

/** The order saga as another instance's start of `idempotencyKey` stores it. */
function othersSaga(idempotencyKey: string, orderId: string) {
  const started = createSagaEngine(registry).start(
    { name: 'order' },
    {
      sagaId: `00000000-0000-4000-8000-${orderId.padStart(12, '0')}`,
      input: orderInput(orderId),
      at: NOW,
      random: 0.5,
    },
  );
  if (started.state === null) throw new Error(started.rejection.message);
  return { state: started.state, rowVersion: 1, idempotencyKey, traceContext: null };
}

describe('StartDecisions: new sagas in one statement', () => {
  let store: MemoryStore;
  let runner: DecisionRunner;
  let starts: StartDecisions;
  let admission: SagaAdmission;

  beforeEach(async () => {
    store = new MemoryStore();
    admission = new SagaAdmission(1_000);
    runner = runnerOn(store);
    starts = new StartDecisions(runner, admission, 64 * 1024);
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
    const perSaga = inFlight(runner); // the first commands of one saga
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
    // The failed write's commands were given back: those of the three sagas started count.
    expect(inFlight(runner)).toBe(3 * perSaga);
  });

  it('answers its own start as created when the write committed but its answer was lost', async () => {
    store.loseNextAloneAnswer = new Error('Connection terminated unexpectedly');
    const [answer, copy] = await starts.startMany([start('own'), start('own')]);
    const [saga] = sagasOf('own');
    expect(answer).toEqual({ sagaId: saga!.state.sagaId, created: true, status: 'running' });
    expect(copy).toEqual({ ...(answer as object), created: false });
    expect(store.transactions).toBe(2);
    expect(admission.count).toBe(2);
  });

  it('runs the transaction again when another start takes a key between its lookup and its write', async () => {
    // Before any clock reading, starts take the transaction.
    const fresh = new MemoryStore();
    const cold = new StartDecisions(runnerOn(fresh), new SagaAdmission(1_000), 64 * 1024);
    const other = othersSaga('k', '7');
    fresh.beforeNextWrite = () => fresh.insert(other);
    const [answer] = await cold.startMany([{ ...start('k'), input: orderInput('7') }]);
    expect(answer).toEqual({ sagaId: other.state.sagaId, created: false, status: 'running' });
    expect(fresh.transactions).toBe(2);
    expect(fresh.writesAlone).toBe(0);
    expect([...fresh.rows.values()]).toEqual([other]);
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

describe('StartDecisions: starts that take the transaction', () => {
  it('looks the keys up first when a request is refused unless its key is taken', async () => {
    const store = new MemoryStore();
    const retired = { versionFor: () => undefined, isRetired: () => true };
    const starts = new StartDecisions(
      runnerOn(store, { versions: retired }),
      new SagaAdmission(1_000),
      64 * 1024,
    );
    await starts.startMany([]); // nothing to start: no decision
    store.insert(othersSaga('kept', '8'));
    const [refused, retry] = await starts.startMany([start('new'), start('kept', '8')]);
    expect((refused as Error).message).toContain('retired');
    expect(retry).toMatchObject({ created: false });
    expect(store.writesAlone).toBe(0);
    expect(store.transactions).toBe(1);
  });

  it('writes a start whose command is held, with its held row, in a transaction', async () => {
    const store = new MemoryStore();
    const runner = runnerOn(store, {
      resilience: { MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT: '1' },
    });
    const starts = new StartDecisions(runner, new SagaAdmission(1_000), 64 * 1024);
    await starts.startMany([start('first')]); // reads the clock; its command is in flight
    const [held] = await starts.startMany([start('held')]);
    expect(held).toMatchObject({ created: true });
    expect(store.writesAlone).toBe(0); // held commands need a transaction
    expect(store.transactions).toBe(2);
    expect([...store.rows.values()].map((row) => row.idempotencyKey)).toEqual(['first', 'held']);
    expect(runner.parts.gate.status([]).map((load) => load.commandsHeld)).toContain(1);
  });
});
