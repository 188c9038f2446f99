import { jest } from '@jest/globals';
import { z } from 'zod';
import { createSagaEngine, createSagaRegistry } from '#saga-core';
import {
  SagaCapacityError,
  SagaVersionNotLoadedError,
  UnknownSagaTypeError,
  UnknownSagaVersionError,
} from '../application/saga-errors.js';
import { orderInputSchema, orderSaga } from '../sagas/order.saga.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import type { DecisionRunner } from './decision-runner.js';
import {
  lateDefinitions,
  MemoryStore,
  NOW,
  orderInput,
  registry,
  runnerOn,
} from './memory-saga-store.fixture.js';
import { StartDecisions, type StartSettings } from './start-decisions.js';

const start = (idempotencyKey: string, orderId = idempotencyKey) => ({
  sagaType: 'order',
  idempotencyKey,
  input: orderInput(orderId),
});

/** The start path's settings: replies never behind unless the test says so. */
const settings = (
  admission = new SagaAdmission(1_000),
  overrides: Partial<StartSettings> = {},
): StartSettings => ({
  admission,
  repliesFirst: new RepliesFirst(100, 1),
  waitForRepliesMs: 5_000,
  maxWaitingBytes: 64 * 1024 * 1024,
  maxContextBytes: 64 * 1024,
  ...overrides,
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
    starts = new StartDecisions(runner, settings(admission));
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

  it('answers a retry whose saga’s input does not open here with a conflict saying so, and starts the others', async () => {
    await starts.startMany([start('a')]);
    const [taken] = sagasOf('a');
    store.sealAway(taken!.state.sagaId);

    const answers = await starts.startMany([start('a'), start('b')]);

    expect(answers[0]).toMatchObject({
      name: 'IdempotencyConflictError',
      message: `idempotency key "a" already started saga ${taken!.state.sagaId}, whose input does not open here to compare (no key gone to open a sealed value): try again once the keyring holds its key`,
    });
    expect(answers[1]).toMatchObject({ created: true });
    expect(sagasOf('a')).toHaveLength(1);
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
    const cold = new StartDecisions(runnerOn(fresh), settings());
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

describe('StartDecisions: an input over the size limit', () => {
  it('is refused before its definition validates it', async () => {
    const runner = runnerOn(new MemoryStore());
    const starts = new StartDecisions(runner, settings(undefined, { maxContextBytes: 1_000 }));
    const validate = jest.spyOn(
      runner.parts.registry.resolve({ name: 'order' })!.input,
      'safeParse',
    );
    const large = { ...start('large'), input: { ...orderInput('large'), note: 'x'.repeat(2_000) } };

    await expect(starts.start(large)).rejects.toMatchObject({
      problems: [{ path: '', message: 'larger than 1000 bytes' }],
    });
    expect(validate).not.toHaveBeenCalled();
    validate.mockRestore();
  });
});

describe('StartDecisions: starts that take the transaction', () => {
  it('looks the keys up first when a request is refused unless its key is taken', async () => {
    const store = new MemoryStore();
    const retired = { versionFor: () => undefined, isRetired: () => true };
    const starts = new StartDecisions(runnerOn(store, { versions: retired }), settings());
    await starts.startMany([]); // nothing to start: no decision
    store.insert(othersSaga('kept', '8'));
    const [refused, retry] = await starts.startMany([start('new'), start('kept', '8')]);
    expect((refused as Error).message).toContain('retired');
    expect(retry).toMatchObject({ created: false });
    expect(store.writesAlone).toBe(0);
    expect(store.transactions).toBe(1);
  });

  it('refuses a start whose version was retired while it waited for its write, and writes nothing', async () => {
    const store = new MemoryStore();
    // Retired by this instance after the request was checked, before its write.
    let asked = 0;
    const versions = { versionFor: () => undefined, isRetired: () => asked++ > 0 };
    const starts = new StartDecisions(runnerOn(store, { versions }), settings());
    const [answer] = await starts.startMany([start('late')]);
    expect(answer).toBeInstanceOf(UnknownSagaVersionError);
    expect((answer as Error).message).toBe('saga type "order" version 1 is retired');
    expect(store.rows.size).toBe(0);
  });

  it('writes a start whose command is held, with its held row, in a transaction', async () => {
    const store = new MemoryStore();
    const runner = runnerOn(store, {
      resilience: { MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT: '1' },
    });
    const starts = new StartDecisions(runner, settings());
    await starts.startMany([start('first')]); // reads the clock; its command is in flight
    const [held] = await starts.startMany([start('held')]);
    expect(held).toMatchObject({ created: true });
    expect(store.writesAlone).toBe(0); // held commands need a transaction
    expect(store.transactions).toBe(2);
    expect([...store.rows.values()].map((row) => row.idempotencyKey)).toEqual(['first', 'held']);
    expect(runner.parts.gate.status([]).map((load) => load.commandsHeld)).toContain(1);
  });
});

describe('StartDecisions: starts over HTTP while the replies are behind', () => {
  let store: MemoryStore;
  let admission: SagaAdmission;
  let repliesFirst: RepliesFirst;

  /** A start path whose first saga is in flight; the replies then fall behind. */
  async function behind(overrides: Partial<StartSettings> = {}) {
    store = new MemoryStore();
    admission = overrides.admission ?? new SagaAdmission(3);
    repliesFirst = new RepliesFirst(100, 1);
    const starts = new StartDecisions(
      runnerOn(store),
      settings(admission, { ...overrides, repliesFirst }),
    );
    await starts.start(start('first'));
    repliesFirst.noteBacklog({ messages: 100, partitions: 1 });
    expect(repliesFirst.isBehind).toBe(true);
    return starts;
  }

  const keys = () => [...store.rows.values()].map((row) => row.idempotencyKey);

  afterEach(() => jest.useRealTimers());

  it('waits, writing nothing, until the replies are down to half, then starts', async () => {
    const starts = await behind();
    let answered = false;
    const waiting = starts.start(start('waits')).then((answer) => {
      answered = true;
      return answer;
    });
    await new Promise((resolve) => setImmediate(resolve));
    repliesFirst.noteBacklog({ messages: 51, partitions: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    expect(keys()).toEqual(['first']);

    repliesFirst.noteBacklog({ messages: 50, partitions: 1 });
    await expect(waiting).resolves.toMatchObject({ created: true });
    expect(keys()).toEqual(['first', 'waits']);
  });

  it('answers 429 once it waited as long as it may, and has written nothing', async () => {
    const starts = await behind({ waitForRepliesMs: 2_000 });
    jest.useFakeTimers();
    const refused = expect(starts.start(start('late'))).rejects.toThrow(
      'the start waited 2000 ms for them',
    );
    await jest.advanceTimersByTimeAsync(1_999);
    expect(repliesFirst.isBehind).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    await refused;
    expect(keys()).toEqual(['first']);
  });

  it('counts the starts waiting against the cap on sagas in flight', async () => {
    const starts = await behind();
    const waiting = [starts.start(start('w1')), starts.start(start('w2'))];
    // One saga in flight and two waiting: the cap of three is reached.
    const refusal = await starts.start(start('w3')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SagaCapacityError);
    expect((refusal as Error).message).toBe(
      '3 sagas are in flight, the limit is 3: try again later',
    );

    repliesFirst.noteBacklog({ messages: 0, partitions: 1 });
    await expect(Promise.all(waiting)).resolves.toMatchObject([
      { created: true },
      { created: true },
    ]);
    expect(keys()).toEqual(['first', 'w1', 'w2']);
  });

  it('answers a retry of a start already made from its saga while the others wait at the cap', async () => {
    const starts = await behind();
    const [first] = [...store.rows.values()];
    const waiting = [starts.start(start('w1')), starts.start(start('w2'))];
    // At the cap, and held: the retry is answered at once, without a write.
    await expect(starts.start(start('first'))).resolves.toEqual({
      sagaId: first!.state.sagaId,
      created: false,
      status: 'running',
    });
    await expect(starts.start(start('first', 'other'))).rejects.toThrow('with another input');

    repliesFirst.noteBacklog({ messages: 0, partitions: 1 });
    await Promise.all(waiting);
    expect(keys()).toEqual(['first', 'w1', 'w2']);
  });

  it('refuses a start once those waiting hold the most input they may', async () => {
    const bytes = JSON.stringify(start('w1').input).length;
    const starts = await behind({
      admission: new SagaAdmission(1_000),
      maxWaitingBytes: 2 * bytes,
    });
    const waiting = [starts.start(start('w1')), starts.start(start('w2'))];
    const refusal = await starts.start(start('w3')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SagaCapacityError);
    expect((refusal as Error).message).toContain('the most they may');

    repliesFirst.noteBacklog({ messages: 0, partitions: 1 });
    await Promise.all(waiting);
    await expect(starts.start(start('w3'))).resolves.toMatchObject({ created: true });
  });

  it('never waits with a wait of 0', async () => {
    const starts = await behind({ waitForRepliesMs: 0 });
    await expect(starts.start(start('now'))).resolves.toMatchObject({ created: true });
  });
});

describe('StartDecisions: a type registered on another instance a moment ago', () => {
  it('reads the stored definitions again before it refuses a type or version unknown here', async () => {
    const late = lateDefinitions();
    const starts = new StartDecisions(runnerOn(new MemoryStore(), late), settings());

    // Still unknown once read again: refused, as a caller's mistake.
    await expect(starts.start(start('early'))).rejects.toBeInstanceOf(UnknownSagaTypeError);
    expect(late.reads()).toBe(1);
    // Stored meanwhile: the read finds it, and the starts go (one read for the batch).
    late.store();
    const answers = await starts.startMany([start('a'), { ...start('b'), sagaVersion: 1 }]);
    expect(answers).toEqual([
      expect.objectContaining({ created: true }),
      expect.objectContaining({ created: true }),
    ]);
    expect(late.reads()).toBe(2);
    // Known now: no read.
    await expect(starts.start(start('c'))).resolves.toMatchObject({ created: true });
    expect(late.reads()).toBe(2);
  });
});

describe('StartDecisions: a retry whose saga is of a version registered elsewhere a moment ago', () => {
  /** Version 2 of the order saga: its input gets a channel when the start names none. */
  const orderV2 = {
    ...orderSaga,
    version: 2,
    input: orderInputSchema.extend({ channel: z.string().default('web') }),
  };

  /**
   * An instance that knows version 1 only, and a saga that another instance started with key
   * "k" under version 2 (stored, so the next catch-up finds it unless `stored` is false).
   */
  function instance({ stored = true, cap = 1_000 } = {}) {
    const sagas = createSagaRegistry([orderSaga]);
    let reads = 0;
    const versions = {
      versionFor: () => undefined,
      isRetired: () => false,
      catchUp: async () => {
        reads++;
        if (stored && sagas.get('order', 2) === undefined) sagas.register(orderV2);
      },
    };
    const store = new MemoryStore();
    const started = createSagaEngine(createSagaRegistry([orderSaga, orderV2])).start(
      { name: 'order', version: 2 },
      {
        sagaId: '00000000-0000-4000-8000-000000000002',
        input: orderInput('k'),
        at: NOW,
        random: 0.5,
      },
    );
    if (started.state === null) throw new Error(started.rejection.message);
    store.insert({ state: started.state, rowVersion: 1, idempotencyKey: 'k', traceContext: null });
    const admission = new SagaAdmission(cap);
    const starts = new StartDecisions(runnerOn(store, { versions, sagas }), settings(admission));
    return { starts, admission, reads: () => reads, sagaId: started.state.sagaId };
  }

  it('reads the stored definitions again and answers with its saga, not a conflict', async () => {
    const { starts, reads, sagaId } = instance();
    const answers = await starts.startMany([start('k'), start('fresh')]);
    expect(answers[0]).toEqual({ sagaId, created: false, status: 'running' });
    expect(answers[1]).toMatchObject({ created: true });
    expect(reads()).toBe(1);
  });

  it('answers at the cap on sagas in flight the same way', async () => {
    const { starts, admission, sagaId } = instance({ cap: 1 });
    admission.noteStarted(1);
    await expect(starts.start(start('k'))).resolves.toEqual({
      sagaId,
      created: false,
      status: 'running',
    });
  });

  it('answers a version still unknown once read again with an error to try again, not a conflict', async () => {
    const { starts, reads, sagaId } = instance({ stored: false });
    const [answer] = await starts.startMany([start('k')]);
    expect(answer).toBeInstanceOf(SagaVersionNotLoadedError);
    expect((answer as Error).message).toBe(
      `idempotency key "k" already started saga ${sagaId} of version 2, which this instance does not know yet to compare its input: try again`,
    );
    expect(reads()).toBe(1);
  });

  it('answers from its saga, with no read, when the input is the same as stored', async () => {
    const { starts, reads, sagaId } = instance({ stored: false });
    // Version 1 refuses a channel, but the key's saga is of version 2, which took this input.
    const same = { ...start('k'), input: { ...orderInput('k'), channel: 'web' } };
    await expect(starts.start(same)).resolves.toEqual({
      sagaId,
      created: false,
      status: 'running',
    });
    expect(reads()).toBe(0);
  });
});
