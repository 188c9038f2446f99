// The examples of docs/ENGINE.md, run as tests so that the guide stays true.
import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { success } from './outcomes.js';
import { errorTimes, fail, succeed } from './participant-behaviour.js';
import { runSaga } from './run-saga.js';
import { SagaHarness } from './saga-harness.js';

const Order = z.object({ orderId: z.string(), amount: z.number().positive() });
type Ctx = z.infer<typeof Order> & { reservationId?: string; paymentId?: string };

const checkout = defineSaga({
  name: 'order-checkout',
  version: 1,
  input: Order,
  initialContext: (order): Ctx => ({ ...order }),
  deadlineMs: 15 * 60_000,
})
  .step({
    id: 'reserve',
    participant: 'inventory',
    command: 'reserve-items',
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    onSuccess: (ctx, result) => ({ ...ctx, reservationId: (result as { id: string }).id }),
    compensation: {
      command: 'release-items',
      buildCommand: (ctx) => ({ id: ctx.reservationId ?? null }),
    },
    timeoutMs: 5_000,
  })
  .step({
    id: 'charge',
    participant: 'payment',
    command: 'charge-card',
    buildCommand: (ctx) => ({ orderId: ctx.orderId, amount: ctx.amount }),
    onSuccess: (ctx, result) => ({ ...ctx, paymentId: (result as { id: string }).id }),
    compensation: { command: 'refund', buildCommand: (ctx) => ({ id: ctx.paymentId ?? null }) },
    retry: { maxAttempts: 5, nonRetryableErrorCodes: ['card-expired'] },
    timeoutMs: 10_000,
  })
  .step({
    id: 'confirm',
    participant: 'orders',
    command: 'confirm-order',
    kind: 'pivot',
    dependsOn: ['reserve', 'charge'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 5_000,
  })
  .step({
    id: 'ship',
    participant: 'shipping',
    command: 'ship-order',
    kind: 'retriable',
    dependsOn: ['confirm'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 30_000,
  })
  .build();

const order = { orderId: 'o-1', amount: 42 };

describe('the examples of the engine guide', () => {
  it('refunds the card when the order cannot be confirmed', () => {
    const run = runSaga(checkout, order, {
      participants: {
        inventory: { 'reserve-items': succeed({ id: 'r-1' }, { latencyMs: 20 }) },
        payment: { 'charge-card': errorTimes(2, 'gateway-down', succeed({ id: 'p-1' })) },
        orders: { 'confirm-order': fail('fraud-suspected') },
      },
    });
    expect(run.finalState.status).toBe('compensated');
    expect(run.commands.map((c) => c.command.commandType)).toContain('refund');
  });

  it('survives flaky participants', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const run = runSaga(checkout, order, {
        seed,
        random: { errorRate: 0.2, timeoutRate: 0.05, failureRate: 0.02 },
        operator: [1, 2, 3].map((hours) => ({
          afterMs: hours * 3_600_000,
          action: 'resume' as const,
        })),
      });
      expect(['completed', 'compensated']).toContain(run.finalState.status);
    }
  });

  it('drives one saga by hand', () => {
    const saga = new SagaHarness(checkout, order);
    saga.reply('reserve', success({ id: 'r-1' }));
    saga.fire('reply-timeout', 'charge');
    saga.cancel('alice', 'customer asked');
    expect(saga.state.status).toBe('compensating');
  });
});
