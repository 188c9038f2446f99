import { z } from 'zod';
import { defineSaga, type RetryPolicyOptions } from '#saga-core';

/** The input of an order saga: what was ordered, by whom, and for how much. */
export const orderInputSchema = z.strictObject({
  orderId: z.string().min(1).max(100),
  customerId: z.string().min(1).max(100),
  items: z
    .array(z.strictObject({ sku: z.string().min(1).max(100), quantity: z.int().positive() }))
    .min(1)
    .max(100),
  amount: z.number().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  /** How the customer pays: a token of the card, for the payment provider only (sensitive). */
  payment: z.strictObject({ cardToken: z.string().min(1).max(200) }).optional(),
});

/** A validated order saga input. */
export type OrderInput = z.infer<typeof orderInputSchema>;

/** The order saga's context: its input plus the ids the participants handed back. */
export interface OrderContext extends OrderInput {
  readonly reservationId?: string;
  readonly authorizationId?: string;
  readonly captureId?: string;
  readonly shipmentId?: string;
  readonly notificationId?: string;
}

const REPLY_TIMEOUT_MS = 5_000;

/** Before the pivot: a few quick retries, then the saga compensates. */
const forwardRetry: RetryPolicyOptions = {
  maxAttempts: 4,
  initialDelayMs: 200,
  backoffFactor: 2,
  maxDelayMs: 2_000,
};

/** After the pivot there is no way back: retry without limit, backing off up to 30 s. */
const afterPivotRetry: RetryPolicyOptions = {
  initialDelayMs: 500,
  backoffFactor: 2,
  maxDelayMs: 30_000,
};

/** Undoing must get through: more patience than going forward. */
const compensationRetry: RetryPolicyOptions = {
  maxAttempts: 8,
  initialDelayMs: 200,
  backoffFactor: 2,
  maxDelayMs: 5_000,
};

// Results are checked as they are folded: a participant that answers off-contract fails the step.
const reservation = z.object({ reservationId: z.string().min(1) });
const authorization = z.object({ authorizationId: z.string().min(1) });
const capture = z.object({ captureId: z.string().min(1) });
const shipment = z.object({ shipmentId: z.string().min(1) });
const notification = z.object({ notificationId: z.string().min(1) });

/**
 * The order saga, version 1: reserve the stock and authorize the payment in parallel, capture
 * the payment (the pivot), then schedule the shipping and notify the customer, both retried
 * until they succeed.
 */
export const orderSaga = defineSaga({
  name: 'order',
  version: 1,
  input: orderInputSchema,
  initialContext: (input): OrderContext => ({ ...input }),
  // The outer guard, not a pace: an order normally ends in under a second, and waits out a
  // broker or participant outage of minutes without being given up.
  deadlineMs: 10 * 60_000,
  // Encrypted at rest, redacted in logs, spans, dead letters and for callers without
  // `read-sensitive`; it leaves the coordinator only in the payment.authorize command.
  sensitive: ['payment.cardToken'],
})
  .step({
    id: 'reserve-inventory',
    participant: 'inventory',
    command: 'inventory.reserve',
    buildCommand: (ctx) => ({ orderId: ctx.orderId, items: ctx.items }),
    onSuccess: (ctx, result) => ({ ...ctx, ...reservation.parse(result) }),
    compensation: {
      command: 'inventory.release',
      // Without a reservation id (its reply never came) the participant finds it by order id.
      buildCommand: (ctx) => ({ orderId: ctx.orderId, reservationId: ctx.reservationId ?? null }),
    },
    retry: forwardRetry,
    compensationRetry,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: 'authorize-payment',
    participant: 'payment',
    command: 'payment.authorize',
    buildCommand: (ctx) => ({
      orderId: ctx.orderId,
      customerId: ctx.customerId,
      amount: ctx.amount,
      currency: ctx.currency,
      ...(ctx.payment ? { cardToken: ctx.payment.cardToken } : {}),
    }),
    onSuccess: (ctx, result) => ({ ...ctx, ...authorization.parse(result) }),
    compensation: {
      command: 'payment.void',
      buildCommand: (ctx) => ({
        orderId: ctx.orderId,
        authorizationId: ctx.authorizationId ?? null,
      }),
    },
    retry: forwardRetry,
    compensationRetry,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: 'capture-payment',
    participant: 'payment',
    command: 'payment.capture',
    kind: 'pivot',
    dependsOn: ['reserve-inventory', 'authorize-payment'],
    buildCommand: (ctx) => ({
      orderId: ctx.orderId,
      authorizationId: ctx.authorizationId ?? null,
      amount: ctx.amount,
      currency: ctx.currency,
    }),
    onSuccess: (ctx, result) => ({ ...ctx, ...capture.parse(result) }),
    retry: forwardRetry,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: 'schedule-shipping',
    participant: 'shipping',
    command: 'shipping.schedule',
    kind: 'retriable',
    dependsOn: ['capture-payment'],
    buildCommand: (ctx) => ({
      orderId: ctx.orderId,
      customerId: ctx.customerId,
      items: ctx.items,
    }),
    onSuccess: (ctx, result) => ({ ...ctx, ...shipment.parse(result) }),
    retry: afterPivotRetry,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: 'notify-customer',
    participant: 'notification',
    command: 'notification.send',
    kind: 'retriable',
    dependsOn: ['capture-payment'],
    buildCommand: (ctx) => ({
      orderId: ctx.orderId,
      customerId: ctx.customerId,
      template: 'order-confirmed',
    }),
    onSuccess: (ctx, result) => ({ ...ctx, ...notification.parse(result) }),
    retry: afterPivotRetry,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .build();
