// The coordinator's order saga run against the real sample handlers (in virtual time, no
// transport): the payloads the saga builds fit the handlers, and their results fold back.
import type { CommandToSend } from '#saga-core';
import {
  errorWith,
  fail,
  runSaga,
  succeed,
  type Behaviour,
  type ParticipantScripts,
} from '#saga-core/testing';
import { orderSaga, type OrderInput } from '../../coordinator/src/sagas/order.saga.js';
import { SAMPLE_SAGAS } from '../../coordinator/src/sagas/saga-catalog.js';
import { BusinessRefusal } from '../../../libs/saga-participant/src/index.js';
import type { CommandHandler } from '../../../libs/saga-participant/src/index.js';
import { createInventoryService } from './inventory.handlers.js';
import { createNotificationService } from './notification.handlers.js';
import { createPaymentService } from './payment.handlers.js';
import type { SampleService } from './sample-service.js';
import { createShippingService } from './shipping.handlers.js';

/** The four sample services, with 10 apples in stock. */
function sampleServices() {
  return {
    inventory: createInventoryService({ stock: { apple: 10 } }),
    payment: createPaymentService(),
    shipping: createShippingService(),
    notification: createNotificationService(),
  };
}

/** Scripts that hand every command to the service's real handler. */
function scriptsOf(services: Record<string, SampleService>): ParticipantScripts {
  return Object.fromEntries(
    Object.values(services).map((service) => [
      service.participant,
      Object.fromEntries(
        Object.entries(service.handlers).map(([type, handler]) => [
          type,
          (command: CommandToSend) => behaviourOf(handler, command),
        ]),
      ),
    ]),
  );
}

function behaviourOf(handler: CommandHandler, command: CommandToSend): Behaviour {
  try {
    const result = handler(
      { ...command, replyTo: 'saga.replies', sentAt: '2026-11-28T09:00:00Z' },
      { transaction: undefined, onRollback: () => undefined },
    );
    if (result instanceof Promise) throw new Error('the sample handlers answer at once');
    return succeed(result);
  } catch (error) {
    if (error instanceof BusinessRefusal) return fail(error.code, { message: error.message });
    return errorWith('INTERNAL');
  }
}

const order = (overrides: Partial<OrderInput> = {}): OrderInput => ({
  orderId: 'o-1',
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 3 }],
  amount: 42,
  currency: 'EUR',
  ...overrides,
});

const commandTypes = (services: Record<string, SampleService>) =>
  Object.values(services).flatMap((s) => s.ledger.entries.map((e) => e.commandType));

describe('the order saga on the sample participants', () => {
  it('finds a sample handler for every command and compensation of the sample sagas', () => {
    const services: Record<string, SampleService> = sampleServices();
    const sent = SAMPLE_SAGAS.flatMap((saga) =>
      saga.steps.flatMap((step) =>
        [step.command, step.compensation?.command].flatMap((command) =>
          command === undefined ? [] : [`${step.participant}/${command}`],
        ),
      ),
    );
    const handled = Object.values(services).flatMap((service) =>
      Object.keys(service.handlers).map((command) => `${service.participant}/${command}`),
    );

    expect(handled).toEqual(expect.arrayContaining(sent));
  });

  it('completes: the stock is taken, the payment captured, the shipment booked, the customer told', () => {
    const services = sampleServices();

    const run = runSaga(orderSaga, order(), { participants: scriptsOf(services) });

    expect(run.finalState.status).toBe('completed');
    expect(services.inventory.available('apple')).toBe(7);
    expect(services.payment.authorizationStatus('auth:saga-1:authorize-payment')).toBe('captured');
    expect(services.shipping.scheduled()).toEqual(['shp:saga-1:schedule-shipping']);
    expect(services.notification.sent()).toHaveLength(1);
    expect(commandTypes(services).sort()).toEqual([
      'inventory.reserve',
      'notification.send',
      'payment.authorize',
      'payment.capture',
      'shipping.schedule',
    ]);
  });

  it('puts the stock back when the payment is declined', () => {
    const services = sampleServices();

    const run = runSaga(orderSaga, order({ amount: 20_000 }), {
      participants: scriptsOf(services),
    });

    expect(run.finalState.status).toBe('compensated');
    expect(services.inventory.available('apple')).toBe(10);
    expect(services.inventory.ledger.entries.map((e) => e.commandType)).toEqual([
      'inventory.reserve',
      'inventory.release',
    ]);
  });

  it('voids the authorization when the stock runs short', () => {
    const services = sampleServices();

    const run = runSaga(orderSaga, order({ items: [{ sku: 'apple', quantity: 11 }] }), {
      participants: scriptsOf(services),
    });

    expect(run.finalState.status).toBe('compensated');
    expect(services.payment.authorizationStatus('auth:saga-1:authorize-payment')).toBe('voided');
    expect(services.inventory.available('apple')).toBe(10);
  });
});
