import { z } from 'zod';
import { BusinessRefusal } from '../../../libs/saga-participant/src/index.js';
import { parsePayload } from '../../../libs/saga-participant/src/index.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The inventory participant's name. */
export const INVENTORY = 'inventory';

/** Units in stock at start when none are given: plenty of three fruits, none of one. */
export const DEFAULT_STOCK: Readonly<Record<string, number>> = {
  apple: 1_000_000,
  pear: 1_000_000,
  plum: 1_000_000,
  unobtainium: 0,
};

/** Options of the inventory service. */
export interface InventoryOptions extends SampleServiceOptions {
  /** Units in stock per SKU at start (default DEFAULT_STOCK); an unknown SKU has none. */
  readonly stock?: Readonly<Record<string, number>>;
}

/** The inventory service: reserves stock for an order and releases it. */
export interface InventoryService extends SampleService {
  /** Units of `sku` not reserved now. */
  available(sku: string): number;
}

const reservePayload = z.object({
  orderId: z.string().min(1),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.int().positive() })).min(1),
});
const releasePayload = z.object({
  orderId: z.string().min(1),
  reservationId: z.string().min(1).nullable(),
});

/**
 * Creates the inventory service: `inventory.reserve` takes every item of an order from the stock
 * or none (`OUT_OF_STOCK`), `inventory.release` puts a reservation back, and succeeds when there
 * is none (its reservation id was lost, or it never happened).
 */
export function createInventoryService(options: InventoryOptions = {}): InventoryService {
  const stock = new Map(Object.entries(options.stock ?? DEFAULT_STOCK));
  const reservations = new Map<string, Map<string, number>>();
  const ledger = new EffectLedger(options.now);
  const available = (sku: string) => stock.get(sku) ?? 0;

  return {
    participant: INVENTORY,
    ledger,
    available,
    handlers: {
      'inventory.reserve': (command, context) => {
        const { items } = parsePayload(reservePayload, command.payload);
        const wanted = new Map<string, number>();
        for (const { sku, quantity } of items) wanted.set(sku, (wanted.get(sku) ?? 0) + quantity);
        for (const [sku, quantity] of wanted) {
          if (available(sku) < quantity) {
            throw new BusinessRefusal('OUT_OF_STOCK', `not enough ${sku} in stock`, { sku });
          }
        }
        for (const [sku, quantity] of wanted) stock.set(sku, available(sku) - quantity);
        const reservationId = `rsv:${originOf(command)}`;
        reservations.set(reservationId, wanted);
        context.onRollback(() => {
          for (const [sku, quantity] of wanted) stock.set(sku, available(sku) + quantity);
          reservations.delete(reservationId);
        });
        return ledger.applied(command, context, { reservationId });
      },
      'inventory.release': (command, context) => {
        const payload = parsePayload(releasePayload, command.payload);
        const reservationId = payload.reservationId ?? `rsv:${originOf(command)}`;
        const reserved = reservations.get(reservationId);
        if (reserved === undefined) return { reservationId, released: false };
        for (const [sku, quantity] of reserved) stock.set(sku, available(sku) + quantity);
        reservations.delete(reservationId);
        context.onRollback(() => {
          for (const [sku, quantity] of reserved) stock.set(sku, available(sku) - quantity);
          reservations.set(reservationId, reserved);
        });
        return ledger.applied(command, context, { reservationId, released: true });
      },
    },
  };
}
