import { createSagaEngine } from '#saga-core';
import {
  errorTimes,
  fail,
  neverReply,
  runSaga,
  succeed,
  type ParticipantScripts,
  type SagaRun,
} from '#saga-core/testing';
import { orderSaga, type OrderInput } from './order.saga.js';
import { createSampleSagaRegistry } from './saga-catalog.js';

const order: OrderInput = {
  orderId: 'o-1',
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 2 }],
  amount: 42,
  currency: 'EUR',
};

/** Participants that all succeed; a test overrides the commands it cares about. */
function participants(overrides: ParticipantScripts = {}): ParticipantScripts {
  const base: ParticipantScripts = {
    inventory: {
      'inventory.reserve': succeed({ reservationId: 'r-1' }, { latencyMs: 30 }),
      'inventory.release': succeed({ released: true }),
    },
    payment: {
      'payment.authorize': succeed({ authorizationId: 'a-1' }, { latencyMs: 50 }),
      'payment.void': succeed({ voided: true }),
      'payment.capture': succeed({ captureId: 'cap-1' }, { latencyMs: 20 }),
    },
    shipping: { 'shipping.schedule': succeed({ shipmentId: 's-1' }) },
    notification: { 'notification.send': succeed({ notificationId: 'n-1' }) },
  };
  return Object.fromEntries(
    Object.entries(base).map(([name, scripts]) => [name, { ...scripts, ...overrides[name] }]),
  );
}

const commandTypes = (run: SagaRun) => run.commands.map(({ command }) => command.commandType);
const sentAt = (run: SagaRun, commandType: string) =>
  run.commands.filter(({ command }) => command.commandType === commandType).map(({ at }) => at);

describe('the order saga', () => {
  it('completes when every participant succeeds, with every id folded into the context', () => {
    const run = runSaga(orderSaga, order, { participants: participants() });

    expect(run.finalState.status).toBe('completed');
    expect(run.finalState.context).toEqual({
      ...order,
      reservationId: 'r-1',
      authorizationId: 'a-1',
      captureId: 'cap-1',
      shipmentId: 's-1',
      notificationId: 'n-1',
    });
  });

  it('reserves and authorizes in parallel, captures after both, then ships and notifies', () => {
    const run = runSaga(orderSaga, order, { participants: participants() });

    expect(sentAt(run, 'inventory.reserve')).toEqual([0]);
    expect(sentAt(run, 'payment.authorize')).toEqual([0]);
    expect(sentAt(run, 'payment.capture')).toEqual([50]);
    expect(sentAt(run, 'shipping.schedule')).toEqual([70]);
    expect(sentAt(run, 'notification.send')).toEqual([70]);
  });

  it('releases the reservation when the payment authorization is refused', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({ payment: { 'payment.authorize': fail('PAYMENT_DECLINED') } }),
    });

    expect(run.finalState.status).toBe('compensated');
    const release = run.commands.find((c) => c.command.commandType === 'inventory.release');
    expect(release?.command.payload).toEqual({ orderId: 'o-1', reservationId: 'r-1' });
    expect(commandTypes(run)).not.toContain('payment.void');
    expect(commandTypes(run)).not.toContain('payment.capture');
  });

  it('voids the authorization when the inventory is out of stock', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({ inventory: { 'inventory.reserve': fail('OUT_OF_STOCK') } }),
    });

    expect(run.finalState.status).toBe('compensated');
    const voids = run.commands.filter((c) => c.command.commandType === 'payment.void');
    expect(voids.map((c) => c.command.payload)).toEqual([
      { orderId: 'o-1', authorizationId: 'a-1' },
    ]);
    expect(commandTypes(run)).not.toContain('inventory.release');
    expect(commandTypes(run)).not.toContain('payment.capture');
  });

  it('releases the reservation and voids the authorization when the capture is refused', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({ payment: { 'payment.capture': fail('AUTHORIZATION_EXPIRED') } }),
    });

    expect(run.finalState.status).toBe('compensated');
    expect(commandTypes(run)).toEqual(
      expect.arrayContaining(['inventory.release', 'payment.void']),
    );
    expect(commandTypes(run)).not.toContain('shipping.schedule');
  });

  it('voids an authorization whose reply never came, saying its outcome is unknown', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({ payment: { 'payment.authorize': neverReply() } }),
    });

    expect(run.finalState.status).toBe('compensated');
    const voids = run.commands.filter((c) => c.command.commandType === 'payment.void');
    expect(voids).toHaveLength(1);
    expect(voids[0]?.command).toMatchObject({
      outcomeUnknown: true,
      payload: { orderId: 'o-1', authorizationId: null },
    });
    expect(sentAt(run, 'payment.authorize')).toHaveLength(4);
  });

  it('keeps going after the pivot when the shipping errors a few times', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({
        shipping: {
          'shipping.schedule': errorTimes(5, 'CARRIER_UNAVAILABLE', succeed({ shipmentId: 's-9' })),
        },
      }),
    });

    expect(run.finalState.status).toBe('completed');
    expect(sentAt(run, 'shipping.schedule')).toHaveLength(6);
    expect(commandTypes(run)).not.toContain('inventory.release');
    expect(commandTypes(run)).not.toContain('payment.void');
    expect(run.finalState.context).toMatchObject({ shipmentId: 's-9' });
  });

  it('compensates when a participant answers a result without the expected id', () => {
    const run = runSaga(orderSaga, order, {
      participants: participants({ inventory: { 'inventory.reserve': succeed({ id: 'r-1' }) } }),
    });

    expect(run.finalState.status).toBe('compensated');
    expect(commandTypes(run)).toEqual(
      expect.arrayContaining(['inventory.release', 'payment.void']),
    );
  });

  it('refuses an input that does not fit the schema, naming the fields at fault', () => {
    const engine = createSagaEngine(createSampleSagaRegistry());
    const bad = { ...order, amount: -5, currency: 'euro', items: [] };

    const started = engine.start(
      { name: 'order' },
      { sagaId: 's-1', input: bad, at: 0, random: 0 },
    );

    expect(started.state).toBeNull();
    expect(started.rejection?.code).toBe('invalid-input');
    expect(started.rejection?.message).toMatch(/items: .*amount: .*currency: /);
  });

  it('refuses an input with a field it does not know', () => {
    const parsed = orderSaga.input.safeParse({ ...order, coupon: 'FREE' });

    expect(parsed.success).toBe(false);
  });
});
