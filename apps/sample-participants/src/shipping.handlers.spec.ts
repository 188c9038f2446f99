import { call } from './command.fixture.js';
import { ShippingHandlers } from './shipping.handlers.js';

const schedule = { orderId: 'o-1', customerId: 'c-1', items: [{ sku: 'apple', quantity: 1 }] };
const scheduleStep = { stepId: 'schedule-shipping' } as const;
const cancelStep = { stepId: 'schedule-shipping', action: 'compensate' } as const;

describe('the shipping service', () => {
  it('schedules a shipment for an order', async () => {
    const shipping = new ShippingHandlers();

    const result = await call(shipping, 'shipping.schedule', schedule, scheduleStep);

    expect(result).toEqual({ shipmentId: 'shp:saga-1:schedule-shipping' });
    expect(await shipping.shipmentStatus('shp:saga-1:schedule-shipping')).toBe('scheduled');
    expect(shipping.ledger.countOf('saga-1:schedule-shipping')).toBe(1);
  });

  it('cancels a shipment, found by its step when its id was lost', async () => {
    const shipping = new ShippingHandlers();
    await call(shipping, 'shipping.schedule', schedule, scheduleStep);

    const cancelled = await call(
      shipping,
      'shipping.cancel',
      { orderId: 'o-1', shipmentId: null },
      { ...cancelStep, outcomeUnknown: true },
    );

    expect(cancelled).toMatchObject({ cancelled: true });
    expect(await shipping.shipmentStatus('shp:saga-1:schedule-shipping')).toBe('cancelled');
  });

  it('succeeds in cancelling a shipment that never happened, and changes nothing', async () => {
    const shipping = new ShippingHandlers();

    const cancelled = await call(
      shipping,
      'shipping.cancel',
      { orderId: 'o-1', shipmentId: null },
      { ...cancelStep, outcomeUnknown: true },
    );

    expect(cancelled).toMatchObject({ cancelled: false });
    expect(shipping.ledger.entries).toEqual([]);
  });
});
