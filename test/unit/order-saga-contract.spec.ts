// The coordinator's order saga run against the real sample handlers (in virtual time, no
// transport): the payloads the saga builds fit the handlers, and their results fold back.
import type { CommandToSend } from '#saga-core';
import type { ReplyOutcome } from '#contracts';
import { error as errorOutcome, failure, SagaHarness, success } from '#saga-core/testing';
import { orderSaga, type OrderInput } from '../../apps/coordinator/src/sagas/order.saga.js';
import { SAMPLE_SAGAS } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import { BusinessRefusal, type CommandHandler, commandHandlersOf } from '#saga-participant';
import { InventoryHandlers } from '../../apps/sample-participants/src/inventory.handlers.js';
import { NotificationHandlers } from '../../apps/sample-participants/src/notification.handlers.js';
import { PaymentHandlers } from '../../apps/sample-participants/src/payment.handlers.js';
import type { SampleService } from '../../apps/sample-participants/src/sample-service.js';
import { ShippingHandlers } from '../../apps/sample-participants/src/shipping.handlers.js';

/** The four sample services, with 10 apples in stock. */
function sampleServices() {
  return {
    inventory: new InventoryHandlers({ stock: { apple: 10 } }),
    payment: new PaymentHandlers(),
    shipping: new ShippingHandlers(),
    notification: new NotificationHandlers(),
  };
}

/**
 * Runs the order saga to its end, handing each command, in the order the engine sends them, to
 * the real handler of its participant and folding the answer back as its reply.
 */
async function runOnServices(input: OrderInput, services: Record<string, SampleService>) {
  const harness = new SagaHarness(orderSaga, input);
  const handlers = Object.assign({}, ...Object.values(services).map(commandHandlersOf));
  for (let next = 0; next < harness.commands().length; next += 1) {
    const command = harness.commands()[next]!;
    const handler: CommandHandler = handlers[command.commandType];
    const outcome = await outcomeOf(handler, command);
    harness.reply(command.stepId, outcome, { attempt: command.attempt, action: command.action });
  }
  return harness.state;
}

async function outcomeOf(handler: CommandHandler, command: CommandToSend): Promise<ReplyOutcome> {
  try {
    const result = await handler(
      { ...command, replyTo: 'saga.replies', sentAt: '2026-11-28T09:00:00Z' },
      { transaction: undefined, onRollback: () => undefined },
    );
    return success(result);
  } catch (error) {
    if (error instanceof BusinessRefusal) return failure(error.code, error.message);
    return errorOutcome('INTERNAL');
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
      Object.keys(commandHandlersOf(service)).map((command) => `${service.participant}/${command}`),
    );

    expect(handled).toEqual(expect.arrayContaining(sent));
  });

  it('completes: the stock is taken, the payment captured, the shipment booked, the customer told', async () => {
    const services = sampleServices();

    const state = await runOnServices(order(), services);

    expect(state.status).toBe('completed');
    expect(await services.inventory.available('apple')).toBe(7);
    expect(await services.payment.authorizationStatus('auth:saga-1:authorize-payment')).toBe(
      'captured',
    );
    expect(await services.shipping.shipmentStatus('shp:saga-1:schedule-shipping')).toBe(
      'scheduled',
    );
    expect(services.notification.sent()).toHaveLength(1);
    expect(commandTypes(services).sort()).toEqual([
      'inventory.reserve',
      'notification.send',
      'payment.authorize',
      'payment.capture',
      'shipping.schedule',
    ]);
  });

  it('puts the stock back when the payment is declined', async () => {
    const services = sampleServices();

    const state = await runOnServices(order({ amount: 20_000 }), services);

    expect(state.status).toBe('compensated');
    expect(await services.inventory.available('apple')).toBe(10);
    expect(services.inventory.ledger.entries.map((e) => e.commandType)).toEqual([
      'inventory.reserve',
      'inventory.release',
    ]);
  });

  it('voids the authorization when the stock runs short', async () => {
    const services = sampleServices();

    const state = await runOnServices(order({ items: [{ sku: 'apple', quantity: 11 }] }), services);

    expect(state.status).toBe('compensated');
    expect(await services.payment.authorizationStatus('auth:saga-1:authorize-payment')).toBe(
      'voided',
    );
    expect(await services.inventory.available('apple')).toBe(10);
  });
});
