// Saga definitions kept as documents, as a team keeps them in git: the built coordinator,
// started with SAGA_DEFINITIONS_DIR, runs a saga type that is in no code of it (shipment,
// examples/definitions) on the real Kafka and Postgres, with the sample participants:
// it completes, and compensates when its pivot is refused, as its document says. A directory
// holding a document that does not compile stops the start-up with the file and the field.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import {
  createEnvironment,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { ADMIN_HEADERS } from '../support/test-credentials.js';

interface SagaView {
  status: string;
  context: Record<string, unknown>;
  steps: { stepId: string; status: string }[];
}

const shipmentInput = (amount: number) => ({
  orderId: `o-${randomUUID()}`,
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 1 }],
  amount,
  currency: 'EUR',
});

describe('SAGA_DEFINITIONS_DIR', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let coordinator: CoordinatorProcess | undefined;
  let url: string;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_definitions_dir');
    participants = await startKafkaParticipants(environment);
    coordinator = launchCoordinator({
      ...environment.env,
      SAGA_DEFINITIONS_DIR: 'examples/definitions',
      TIME_SCALE: '0.1',
    });
    url = await coordinator.url;
  }, 120_000);

  afterAll(async () => {
    await coordinator?.service.stop();
    await participants?.stop();
    await environment?.dispose();
  });

  async function run(amount: number): Promise<SagaView> {
    const response = await fetch(`${url}/sagas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN_HEADERS },
      body: JSON.stringify({
        sagaType: 'shipment',
        idempotencyKey: randomUUID(),
        input: shipmentInput(amount),
      }),
    });
    expect(response.status).toBe(202);
    const { sagaId } = (await response.json()) as { sagaId: string };
    await waitForSagas(environment.db, [sagaId], ['completed', 'compensated', 'stuck']);
    const view = await fetch(`${url}/sagas/${sagaId}`, { headers: ADMIN_HEADERS });
    return (await view.json()) as SagaView;
  }

  it('runs a saga type of the directory to its end, folding what each success adds', async () => {
    const view = await run(40);
    expect(view.status).toBe('completed');
    expect(view.context).toMatchObject({
      shipmentId: expect.stringMatching(/^shp:/) as string,
      authorizationId: expect.stringMatching(/^auth:/) as string,
    });
  }, 60_000);

  it('compensates it when the pivot is refused: the shipment is cancelled', async () => {
    const view = await run(50_000);
    expect(view.status).toBe('compensated');
    expect(view.steps.map(({ stepId, status }) => [stepId, status])).toEqual([
      ['ship', 'compensated'],
      ['charge', 'failed'],
    ]);
    const shipmentId = view.context['shipmentId'] as string;
    expect(await participants!.services.shipping.shipmentStatus(shipmentId)).toBe('cancelled');
  }, 60_000);

  it('lists the directory’s definition beside the built-in one', async () => {
    const response = await fetch(`${url}/saga-definitions`, { headers: ADMIN_HEADERS });
    const names = ((await response.json()) as { name: string }[]).map(({ name }) => name);
    expect(names).toEqual(['order', 'shipment']);
  });

  it('refuses to start with a document that does not compile, naming the file and the field', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'definitions-'));
    writeFileSync(
      join(directory, 'broken.yaml'),
      'name: broken\nversion: 1\ninput: { type: object }\nsteps:\n  - id: a\n    participant: p\n    command: p.do\n    kind: pivot\n    payload: "context."\n',
    );
    const broken = launchCoordinator({ ...environment.env, SAGA_DEFINITIONS_DIR: directory });
    await expect(broken.url).rejects.toThrow();
    expect(await broken.service.exited).toBe(1);
    expect(broken.service.output()).toContain(
      `${join(directory, 'broken.yaml')}: steps.0.payload:`,
    );
  }, 60_000);
});
