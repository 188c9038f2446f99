// The sample participants keep their business records in their Postgres schema: a compensation
// or a capture handled after the participant restarted finds what the step did before. (With
// the records in memory, a restart lost them: the release found nothing to undo and answered
// success, and the reservation was never given back; the chaos battery saw it.)
import type { Database } from '#postgres';
import type { CommandMessage, JsonValue, ReplyOutcome } from '#contracts';
import { postgresRecordStore } from '../../../apps/sample-participants/src/business-records.js';
import { InventoryHandlers } from '../../../apps/sample-participants/src/inventory.handlers.js';
import { PaymentHandlers } from '../../../apps/sample-participants/src/payment.handlers.js';
import {
  openSampleDatabase,
  type SampleParticipantName,
} from '../../../apps/sample-participants/src/sample-participants.js';
import type { SampleService } from '../../../apps/sample-participants/src/sample-service.js';
import { commandFor } from '../../../libs/saga-participant/src/command.fixture.js';
import {
  commandHandlersOf,
  PostgresIdempotencyStore,
  quoteIdentifier,
  runCommandHandler,
} from '#saga-participant';
import { databaseUrl, uniqueName } from '../../support/services.js';

const schemaPrefix = `${uniqueName('it_records')}_`;
const sampleDatabase = { url: databaseUrl(), schemaPrefix };

/** One run of a participant's process: its database, its store and its service. */
async function processOf<S extends SampleService>(
  participant: SampleParticipantName,
  create: (records: ReturnType<typeof postgresRecordStore>) => S,
) {
  const database = await openSampleDatabase(sampleDatabase, participant);
  const records = postgresRecordStore(database);
  const service = create(records);
  await records.ready();
  const store = new PostgresIdempotencyStore(database);
  /** Handles `command` as the kit does: in one transaction with its idempotency record. */
  const handle = async (command: CommandMessage): Promise<ReplyOutcome> => {
    const handler = commandHandlersOf(service)[command.commandType]!;
    const { outcome } = await store.once(command.idempotencyKey, command.commandType, (context) =>
      runCommandHandler(handler, command, context, () => undefined),
    );
    return outcome;
  };
  return { database, service, handle };
}

const succeededWith = (result: JsonValue): ReplyOutcome => ({ status: 'success', result });

describe('the sample participants on Postgres', () => {
  const opened: Database[] = [];
  const track = <P extends { database: Database }>(process: P) => {
    opened.push(process.database);
    return process;
  };
  const restart = async (process: { database: Database }) => {
    await process.database.close();
  };

  afterAll(async () => {
    const admin = opened.find((db) => db.isOpen);
    for (const participant of ['inventory', 'payment']) {
      await admin?.query(
        `DROP SCHEMA IF EXISTS ${quoteIdentifier(schemaPrefix + participant)} CASCADE`,
      );
    }
    await Promise.all(opened.filter((db) => db.isOpen).map((db) => db.close()));
  });

  it('gives a reservation made before a restart back when its compensation comes after', async () => {
    const inventory = (records: ReturnType<typeof postgresRecordStore>) =>
      new InventoryHandlers({ stock: { apple: 10 }, records });
    const before = track(await processOf('inventory', inventory));
    const reserve = commandFor({
      sagaId: 'saga-r',
      payload: { orderId: 'o-r', items: [{ sku: 'apple', quantity: 3 }] },
    });
    expect(await before.handle(reserve)).toEqual(
      succeededWith({ reservationId: 'rsv:saga-r:reserve-inventory' }),
    );
    expect(await before.service.available('apple')).toBe(7);
    await restart(before);

    const after = track(await processOf('inventory', inventory));
    const release = commandFor({
      sagaId: 'saga-r',
      action: 'compensate',
      commandType: 'inventory.release',
      outcomeUnknown: true,
      payload: { orderId: 'o-r', reservationId: null },
    });

    expect(await after.handle(release)).toEqual(
      succeededWith({ reservationId: 'rsv:saga-r:reserve-inventory', released: true }),
    );
    expect(await after.service.available('apple')).toBe(10);
    const effects = await after.database.query<{ command_type: string }>(
      `SELECT command_type FROM effects ORDER BY id`,
    );
    expect(effects.map((e) => e.command_type)).toEqual(['inventory.reserve', 'inventory.release']);
  });

  it('keeps the stock seeded once: a restart does not refill what was reserved', async () => {
    const inventory = (records: ReturnType<typeof postgresRecordStore>) =>
      new InventoryHandlers({ stock: { pear: 5 }, records });
    const before = track(await processOf('inventory', inventory));
    const reserve = commandFor({
      sagaId: 'saga-p',
      payload: { orderId: 'o-p', items: [{ sku: 'pear', quantity: 4 }] },
    });
    await before.handle(reserve);
    await restart(before);

    const after = track(await processOf('inventory', inventory));
    const again = commandFor({
      sagaId: 'saga-q',
      payload: { orderId: 'o-q', items: [{ sku: 'pear', quantity: 4 }] },
    });

    expect(await after.handle(again)).toMatchObject({ status: 'failure', code: 'OUT_OF_STOCK' });
    expect(await after.service.available('pear')).toBe(1);
  });

  it('captures, or voids, an authorization made before a restart', async () => {
    const payment = (records: ReturnType<typeof postgresRecordStore>) =>
      new PaymentHandlers({ records });
    const authorize = (sagaId: string) =>
      commandFor({
        sagaId,
        participant: 'payment',
        stepId: 'authorize-payment',
        commandType: 'payment.authorize',
        payload: { orderId: `o-${sagaId}`, customerId: 'c-1', amount: 40, currency: 'EUR' },
      });
    const before = track(await processOf('payment', payment));
    await before.handle(authorize('saga-c'));
    await before.handle(authorize('saga-v'));
    await restart(before);

    const after = track(await processOf('payment', payment));
    const capture = await after.handle(
      commandFor({
        sagaId: 'saga-c',
        participant: 'payment',
        stepId: 'capture-payment',
        commandType: 'payment.capture',
        payload: {
          orderId: 'o-saga-c',
          authorizationId: 'auth:saga-c:authorize-payment',
          amount: 40,
          currency: 'EUR',
        },
      }),
    );
    const voided = await after.handle(
      commandFor({
        sagaId: 'saga-v',
        participant: 'payment',
        stepId: 'authorize-payment',
        action: 'compensate',
        commandType: 'payment.void',
        payload: { orderId: 'o-saga-v', authorizationId: null },
      }),
    );

    expect(capture).toEqual(succeededWith({ captureId: 'cap:saga-c:capture-payment' }));
    expect(voided).toEqual(
      succeededWith({ authorizationId: 'auth:saga-v:authorize-payment', voided: true }),
    );
    expect(await after.service.authorizationStatus('auth:saga-c:authorize-payment')).toBe(
      'captured',
    );
    expect(await after.service.authorizationStatus('auth:saga-v:authorize-payment')).toBe('voided');
  });
});
