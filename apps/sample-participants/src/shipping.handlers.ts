import { Controller, Inject, Optional } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import type { CommandMessage, JsonValue } from '#contracts';
import { type HandlerContext, parsePayload, SagaCommand } from '#saga-participant';
import { type BusinessRecords, memoryRecordStore } from './business-records.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The shipping participant's name. */
export const SHIPPING = 'shipping';

/** The injection token of ShippingHandlers' options. */
export const SHIPPING_OPTIONS = Symbol('ShippingOptions');

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
 * The shipping participant: `shipping.schedule` books a shipment for an order,
 * `shipping.cancel` cancels it (and succeeds when there is none). Shipments are kept in
 * `options.records` (default in memory).
 */
@Controller()
export class ShippingHandlers implements SampleService {
  readonly participant = SHIPPING;
  readonly ledger: EffectLedger;
  private readonly shipments: BusinessRecords<ShipmentStatus>;

  constructor(@Optional() @Inject(SHIPPING_OPTIONS) options: SampleServiceOptions = {}) {
    this.shipments = (options.records ?? memoryRecordStore()).records<ShipmentStatus>('shipment');
    this.ledger = new EffectLedger(options.now);
  }

  /** Whether the shipment `id` is scheduled or was cancelled (as last committed); undefined if unknown. */
  shipmentStatus(id: string): Promise<ShipmentStatus | undefined> {
    return this.shipments.find(id);
  }

  /** Books the order's shipment. */
  @SagaCommand('shipping.schedule', { participant: SHIPPING })
  async schedule(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    parsePayload(schedulePayload, command.payload);
    const shipmentId = `shp:${originOf(command)}`;
    await this.shipments.change(context, [shipmentId], () => ({
      store: new Map([[shipmentId, 'scheduled' as const]]),
      result: undefined,
    }));
    return this.ledger.applied(command, context, { shipmentId });
  }

  /** Cancels the shipment, found by its step when its id was lost; succeeds when there is none. */
  @SagaCommand('shipping.cancel', { participant: SHIPPING })
  async cancel(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const payload = parsePayload(cancelPayload, command.payload);
    const shipmentId = payload.shipmentId ?? `shp:${originOf(command)}`;
    const cancelled = await this.shipments.change(context, [shipmentId], (current) =>
      current.get(shipmentId) === 'scheduled'
        ? { store: new Map([[shipmentId, 'cancelled' as const]]), result: true }
        : { result: false },
    );
    if (!cancelled) return { shipmentId, cancelled: false };
    return this.ledger.applied(command, context, { shipmentId, cancelled: true });
  }
}
