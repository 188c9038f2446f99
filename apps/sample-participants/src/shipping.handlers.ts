import { z } from 'zod';
import { parsePayload } from '../../../libs/saga-participant/src/index.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The shipping participant's name. */
export const SHIPPING = 'shipping';

/** The shipping service: schedules and cancels the shipment of an order. */
export interface ShippingService extends SampleService {
  /** The ids of the shipments scheduled and not cancelled. */
  scheduled(): string[];
}

const schedulePayload = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.int().positive() })).min(1),
});
const cancelPayload = z.object({
  orderId: z.string().min(1),
  shipmentId: z.string().min(1).nullable(),
});

/**
 * Creates the shipping service: `shipping.schedule` books a shipment for an order,
 * `shipping.cancel` cancels it (and succeeds when there is none).
 */
export function createShippingService(options: SampleServiceOptions = {}): ShippingService {
  const shipments = new Set<string>();
  const ledger = new EffectLedger(options.now);
  return {
    participant: SHIPPING,
    ledger,
    scheduled: () => [...shipments],
    handlers: {
      'shipping.schedule': (command, context) => {
        parsePayload(schedulePayload, command.payload);
        const shipmentId = `shp:${originOf(command)}`;
        shipments.add(shipmentId);
        context.onRollback(() => shipments.delete(shipmentId));
        return ledger.applied(command, context, { shipmentId });
      },
      'shipping.cancel': (command, context) => {
        const payload = parsePayload(cancelPayload, command.payload);
        const shipmentId = payload.shipmentId ?? `shp:${originOf(command)}`;
        if (!shipments.delete(shipmentId)) return { shipmentId, cancelled: false };
        context.onRollback(() => shipments.add(shipmentId));
        return ledger.applied(command, context, { shipmentId, cancelled: true });
      },
    },
  };
}
