// Saga definitions shared by the engine's specs.
import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';

const orderInput = z.object({ orderId: z.string(), amount: z.number().positive() });

/** The context of the order sagas: the input plus what the steps returned. */
export interface OrderContext {
  orderId: string;
  amount: number;
  reservationId?: string;
  paymentId?: string;
}

const initialContext = (input: z.infer<typeof orderInput>): OrderContext => ({ ...input });
const noRetryJitter = { jitter: 'none', initialDelayMs: 100, backoffFactor: 2 } as const;

/** reserve → charge → ship, all compensatable, 1 s reply timeout, 3 attempts without jitter. */
export const linearSaga = defineSaga({
  name: 'linear',
  version: 1,
  input: orderInput,
  initialContext,
  events: 'every-step',
})
  .step({
    id: 'reserve',
    participant: 'inventory',
    command: 'reserve-items',
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    onSuccess: (ctx, result) => ({ ...ctx, reservationId: String((result as { id: string }).id) }),
    compensation: {
      command: 'release-items',
      buildCommand: (ctx) => ({ reservationId: ctx.reservationId ?? null }),
    },
    retry: { ...noRetryJitter, nonRetryableErrorCodes: ['bad-sku'] },
    compensationRetry: { ...noRetryJitter, maxAttempts: 2 },
    timeoutMs: 1_000,
  })
  .step({
    id: 'charge',
    participant: 'payment',
    command: 'charge-card',
    dependsOn: ['reserve'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId, amount: ctx.amount }),
    onSuccess: (ctx, result) => ({ ...ctx, paymentId: String((result as { id: string }).id) }),
    compensation: {
      command: 'refund',
      buildCommand: (ctx) => ({ paymentId: ctx.paymentId ?? null }),
    },
    retry: noRetryJitter,
    compensationRetry: { ...noRetryJitter, maxAttempts: 2 },
    timeoutMs: 1_000,
  })
  .step({
    id: 'ship',
    participant: 'shipping',
    command: 'ship-order',
    dependsOn: ['charge'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    compensation: { command: 'cancel-shipment', buildCommand: (ctx) => ({ orderId: ctx.orderId }) },
    retry: noRetryJitter,
    timeoutMs: 1_000,
  })
  .build();

const step = <TId extends string, TDep extends string>(id: TId, dependsOn: readonly TDep[]) => ({
  id,
  participant: 'worker',
  command: `do-${id}`,
  dependsOn,
  buildCommand: () => ({ step: id }),
  compensation: { command: `undo-${id}`, buildCommand: () => ({ step: id }) },
  retry: { maxAttempts: 1 },
  compensationRetry: { maxAttempts: 1 },
});

/** a → (b, c) → d: two parallel branches that join; one attempt each. */
export const diamondSaga = defineSaga({
  name: 'diamond',
  version: 1,
  input: orderInput,
  initialContext,
  events: 'every-step',
})
  .step(step('a', []))
  .step(step('b', ['a']))
  .step(step('c', ['a']))
  .step(step('d', ['b', 'c']))
  .build();

/** (reserve, charge) → confirm (pivot) → (ship, notify) retriable; a 60 s deadline. */
export const pivotSaga = defineSaga({
  name: 'pivot',
  version: 1,
  input: orderInput,
  initialContext,
  events: 'every-step',
  deadlineMs: 60_000,
})
  .step({ ...step('reserve', []), timeoutMs: 1_000 })
  .step(step('charge', []))
  .step({
    id: 'confirm',
    participant: 'orders',
    command: 'confirm-order',
    kind: 'pivot',
    dependsOn: ['reserve', 'charge'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    retry: { maxAttempts: 2, jitter: 'none' },
    timeoutMs: 1_000,
  })
  .step({
    id: 'ship',
    participant: 'shipping',
    command: 'ship-order',
    kind: 'retriable',
    dependsOn: ['confirm'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    retry: { initialDelayMs: 1_000, maxDelayMs: 8_000, jitter: 'none' },
    timeoutMs: 1_000,
  })
  .step({
    id: 'notify',
    participant: 'mail',
    command: 'send-mail',
    kind: 'retriable',
    dependsOn: ['confirm'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
  })
  .build();

/** A valid input for the order sagas. */
export const orderInputValue = { orderId: 'o-1', amount: 42 };

const retrying = { maxAttempts: 3, initialDelayMs: 100, jitter: 'none' } as const;

/** (left, right) → join: parallel roots with 3 attempts, 1 s timeouts, and 2 compensation attempts. */
export const parallelSaga = defineSaga({
  name: 'parallel',
  version: 1,
  input: orderInput,
  initialContext,
  events: 'every-step',
})
  .step({
    ...step('left', []),
    retry: retrying,
    compensationRetry: { ...retrying, maxAttempts: 2 },
    timeoutMs: 1_000,
  })
  .step({
    ...step('right', []),
    retry: retrying,
    compensationRetry: { ...retrying, maxAttempts: 2 },
    timeoutMs: 1_000,
  })
  .step({ ...step('join', ['left', 'right']), retry: retrying })
  .build();
