import { z } from 'zod';
import { parsePayload } from '#saga-participant';
import { memoryRecordStore } from './business-records.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The shipping participant's name. */
export const SHIPPING = 'shipping';

/** The shipping service: schedules and cancels the shipment of an order. */
export interface ShippingService extends SampleService {
  /** Whether the shipment `id` is scheduled or was cancelled (as last committed); undefined if unknown. */
  shipmentStatus(id: string): Promise<ShipmentStatus | undefined>;
}

/** Where one shipment stands. */
export type ShipmentStatus = 'scheduled' | 'cancelled';

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
 * `shipping.cancel` cancels it (and succeeds when there is none). Shipments are kept in
 * `options.records` (default in memory).
 */
export function createShippingService(options: SampleServiceOptions = {}): ShippingService {
  const shipments = (options.records ?? memoryRecordStore()).records<ShipmentStatus>('shipment');
  const ledger = new EffectLedger(options.now);
  return {
    participant: SHIPPING,
    ledger,
    shipmentStatus: (id) => shipments.find(id),
    handlers: {
      'shipping.schedule': async (command, context) => {
        parsePayload(schedulePayload, command.payload);
        const shipmentId = `shp:${originOf(command)}`;
        await shipments.change(context, [shipmentId], () => ({
          store: new Map([[shipmentId, 'scheduled' as const]]),
          result: undefined,
        }));
        return ledger.applied(command, context, { shipmentId });
      },
      'shipping.cancel': async (command, context) => {
        const payload = parsePayload(cancelPayload, command.payload);
        const shipmentId = payload.shipmentId ?? `shp:${originOf(command)}`;
        const cancelled = await shipments.change(context, [shipmentId], (current) =>
          current.get(shipmentId) === 'scheduled'
            ? { store: new Map([[shipmentId, 'cancelled' as const]]), result: true }
            : { result: false },
        );
        if (!cancelled) return { shipmentId, cancelled: false };
        return ledger.applied(command, context, { shipmentId, cancelled: true });
      },
    },
  };
}
