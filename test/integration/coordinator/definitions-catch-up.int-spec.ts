// A version registered on one coordinator instance and used on another before that one's next
// read of the stored definitions (DEFINITIONS_POLL_MS: a minute here, the longest allowed, so only the catch-up can
// find it), on the real Kafka and Postgres: a start naming it is taken, not refused as a
// caller's mistake, and replies to its sagas that reach the other instance are applied, not
// dropped (issue 20's review: they were acknowledged and lost).
import { randomUUID } from 'node:crypto';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import {
  createEnvironment,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { shipmentDocument, shipmentInput } from '../../support/definition-documents.js';

const INSTANCE = { DEFINITIONS_POLL_MS: '60000', RAMP_CHECK_MS: '60000' };

describe('a definition version used on another instance before it read it', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;
  let first: CoordinatorApp;
  let second: CoordinatorApp;

  beforeAll(async () => {
    environment = await createEnvironment('it_definitions_catch_up');
    participants = await startKafkaParticipants(environment);
    first = await startCoordinatorApp(environment, createSampleSagaRegistry(), INSTANCE);
    second = await startCoordinatorApp(environment, createSampleSagaRegistry(), INSTANCE);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await participants?.stop();
    await environment?.dispose();
  });

  const startOn = async (app: CoordinatorApp, sagaType: string, version: number) => {
    const response = await app.request('POST', '/sagas', {
      body: {
        sagaType,
        sagaVersion: version,
        idempotencyKey: randomUUID(),
        input: shipmentInput(randomUUID()),
      },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { sagaId: string }).sagaId;
  };

  it('starts it on the other instance at once', async () => {
    const put = await first.request('PUT', '/saga-definitions/parcel/versions/1', {
      body: shipmentDocument('parcel', 1),
    });
    expect(put.status).toBe(201);
    const sagaId = await startOn(second, 'parcel', 1);
    await waitForSagas(environment.db, [sagaId], ['completed']);
  });

  it('applies the replies to its sagas that reach the instance that has not read it', async () => {
    // Registered on the second instance: the first has not read it, and takes part of the
    // reply partitions (3 partitions, two instances; nine sagas, keyed by id).
    const put = await second.request('PUT', '/saga-definitions/courier/versions/1', {
      body: shipmentDocument('courier', 1),
    });
    expect(put.status).toBe(201);
    const sagaIds: string[] = [];
    for (let i = 0; i < 9; i++) sagaIds.push(await startOn(second, 'courier', 1));
    // A reply dropped or dead-lettered would leave its saga waiting at that step.
    await waitForSagas(environment.db, sagaIds, ['completed']);
  });
});
