import { Controller, Inject, Optional } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import type { CommandMessage, JsonValue } from '#contracts';
import { BusinessRefusal, type HandlerContext, parsePayload, SagaCommand } from '#saga-participant';
import { type BusinessRecords, memoryRecordStore } from './business-records.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The inventory participant's name. */
export const INVENTORY = 'inventory';

/** The injection token of InventoryHandlers' options. */
export const INVENTORY_OPTIONS = Symbol('InventoryOptions');

/** Units in stock at start when none are given: plenty of three fruits, none of one. */
export const DEFAULT_STOCK: Readonly<Record<string, number>> = {
  apple: 1_000_000,
  pear: 1_000_000,
  plum: 1_000_000,
  unobtainium: 0,
};

/** Options of the inventory participant. */
export interface InventoryOptions extends SampleServiceOptions {
  /** Units in stock per SKU at start (default DEFAULT_STOCK); an unknown SKU has none. */
  readonly stock?: Readonly<Record<string, number>>;
}

/** Units per SKU of one reservation, and whether it was given back. */
type Reservation = { readonly items: Record<string, number>; readonly released: boolean };

const reservePayload = z.object({
  orderId: z.string().min(1),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.int().positive() })).min(1),
});
const releasePayload = z.object({
  orderId: z.string().min(1),
  reservationId: z.string().min(1).nullable(),
});

/**
 * The inventory participant: `inventory.reserve` takes every item of an order from the stock
 * or none (`OUT_OF_STOCK`), `inventory.release` puts a reservation back, and succeeds when there
 * is none (its reservation id was lost, or it never happened). Stock and reservations are kept
 * in `options.records` (default in memory); an unknown SKU has no stock.
 */
@Controller()
export class InventoryHandlers implements SampleService {
  readonly participant = INVENTORY;
  readonly ledger: EffectLedger;
  private readonly stock: BusinessRecords<number>;
  private readonly reservations: BusinessRecords<Reservation>;

  constructor(@Optional() @Inject(INVENTORY_OPTIONS) options: InventoryOptions = {}) {
    const recordStore = options.records ?? memoryRecordStore();
    this.stock = recordStore.records(
      'stock',
      new Map(Object.entries(options.stock ?? DEFAULT_STOCK)),
    );
    this.reservations = recordStore.records('reservation');
    this.ledger = new EffectLedger(options.now);
  }

  /** Units of `sku` not reserved now (as last committed). */
  async available(sku: string): Promise<number> {
    return (await this.stock.find(sku)) ?? 0;
  }

  /** Takes every item of the order from the stock, or none. */
  @SagaCommand('inventory.reserve', { participant: INVENTORY })
  async reserve(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const { items } = parsePayload(reservePayload, command.payload);
    const wanted: Record<string, number> = {};
    for (const { sku, quantity } of items) wanted[sku] = (wanted[sku] ?? 0) + quantity;
    await this.stock.change(context, Object.keys(wanted), (current) => {
      const left = new Map<string, number>();
      for (const [sku, quantity] of Object.entries(wanted)) {
        const available = current.get(sku) ?? 0;
        if (available < quantity) {
          throw new BusinessRefusal('OUT_OF_STOCK', `not enough ${sku} in stock`, { sku });
        }
        left.set(sku, available - quantity);
      }
      return { store: left, result: undefined };
    });
    const reservationId = `rsv:${originOf(command)}`;
    await this.reservations.change(context, [reservationId], () => ({
      store: new Map([[reservationId, { items: wanted, released: false }]]),
      result: undefined,
    }));
    return this.ledger.applied(command, context, { reservationId });
  }

  /** Puts the reservation back, found by its step when its id was lost; succeeds when there is none. */
  @SagaCommand('inventory.release', { participant: INVENTORY })
  async release(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): Promise<JsonValue> {
    const payload = parsePayload(releasePayload, command.payload);
    const reservationId = payload.reservationId ?? `rsv:${originOf(command)}`;
    const reserved = await this.reservations.change(context, [reservationId], (current) => {
      const reservation = current.get(reservationId);
      if (reservation === undefined || reservation.released) return { result: undefined };
      const store = new Map([[reservationId, { ...reservation, released: true }]]);
      return { store, result: reservation.items };
    });
    if (reserved === undefined) return { reservationId, released: false };
    await this.stock.change(context, Object.keys(reserved), (current) => ({
      store: new Map(
        Object.entries(reserved).map(([sku, n]) => [sku, (current.get(sku) ?? 0) + n]),
      ),
      result: undefined,
    }));
    return this.ledger.applied(command, context, { reservationId, released: true });
  }
}
