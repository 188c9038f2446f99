import { BusinessRefusal } from '#saga-participant';
import { call } from './command.fixture.js';
import { InventoryHandlers } from './inventory.handlers.js';

const stock = { apple: 10, pear: 1 };
const reserve = (items: { sku: string; quantity: number }[]) => ({ orderId: 'o-1', items });
const compensation = { stepId: 'reserve-inventory', action: 'compensate' } as const;

describe('the inventory service', () => {
  it('reserves every item of an order and takes it from the stock', async () => {
    const inventory = new InventoryHandlers({ stock, now: () => new Date(0) });

    const result = await call(
      inventory,
      'inventory.reserve',
      reserve([{ sku: 'apple', quantity: 3 }]),
    );

    expect(result).toEqual({ reservationId: 'rsv:saga-1:reserve-inventory' });
    expect(await inventory.available('apple')).toBe(7);
    expect(inventory.ledger.entries).toEqual([
      {
        idempotencyKey: 'saga-1:reserve-inventory',
        commandType: 'inventory.reserve',
        at: '1970-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('refuses an order it cannot fill with OUT_OF_STOCK and takes nothing', async () => {
    const inventory = new InventoryHandlers({ stock });
    const order = reserve([
      { sku: 'apple', quantity: 3 },
      { sku: 'pear', quantity: 1 },
      { sku: 'pear', quantity: 1 },
    ]);

    await expect(call(inventory, 'inventory.reserve', order)).rejects.toMatchObject({
      code: 'OUT_OF_STOCK',
      details: { sku: 'pear' },
    });
    expect(await inventory.available('apple')).toBe(10);
    expect(inventory.ledger.entries).toEqual([]);
  });

  it('refuses a SKU it does not know with OUT_OF_STOCK', async () => {
    const inventory = new InventoryHandlers({ stock });

    await expect(
      call(inventory, 'inventory.reserve', reserve([{ sku: 'kiwi', quantity: 1 }])),
    ).rejects.toBeInstanceOf(BusinessRefusal);
  });

  it('puts a released reservation back in stock', async () => {
    const inventory = new InventoryHandlers({ stock });
    await call(inventory, 'inventory.reserve', reserve([{ sku: 'apple', quantity: 3 }]));

    const released = await call(
      inventory,
      'inventory.release',
      { orderId: 'o-1', reservationId: 'rsv:saga-1:reserve-inventory' },
      compensation,
    );

    expect(released).toMatchObject({ released: true });
    expect(await inventory.available('apple')).toBe(10);
    expect(inventory.ledger.entries.map((e) => e.commandType)).toEqual([
      'inventory.reserve',
      'inventory.release',
    ]);
  });

  it('finds the reservation of its step when the reservation id was lost', async () => {
    const inventory = new InventoryHandlers({ stock });
    await call(inventory, 'inventory.reserve', reserve([{ sku: 'apple', quantity: 3 }]));

    const released = await call(
      inventory,
      'inventory.release',
      { orderId: 'o-1', reservationId: null },
      { ...compensation, outcomeUnknown: true },
    );

    expect(released).toMatchObject({ released: true });
    expect(await inventory.available('apple')).toBe(10);
  });

  it('succeeds in releasing a reservation that never happened, and changes nothing', async () => {
    const inventory = new InventoryHandlers({ stock });

    const released = await call(
      inventory,
      'inventory.release',
      { orderId: 'o-1', reservationId: null },
      { ...compensation, outcomeUnknown: true },
    );

    expect(released).toMatchObject({ released: false });
    expect(await inventory.available('apple')).toBe(10);
    expect(inventory.ledger.entries).toEqual([]);
  });

  it('refuses a payload that does not fit with INVALID_PAYLOAD, naming the field', async () => {
    const inventory = new InventoryHandlers({ stock });

    await expect(
      call(inventory, 'inventory.reserve', reserve([{ sku: 'apple', quantity: 0 }])),
    ).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: expect.stringContaining('items.0.quantity'),
    });
  });
});
