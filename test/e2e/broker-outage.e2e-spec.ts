// The broker gone for a minute under load (failure window 7): sagas started before and during
// the outage are delayed, not failed. Commands wait in the outbox and their reply timeouts wait
// with them (they count from when the command reached the broker); once the broker is back, the
// consumers rejoin, the relay sends what waited, and every saga ends as its input says: no
// compensation beyond the declined payments, no process down. The broker here is the test's
// own (test/support/private-broker.ts), so stopping it disturbs no other test.
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import {
  startObservedParticipants,
  type ObservedParticipants,
} from '../support/observed-participants.js';
import { appliedEffects, effectsAgainstOutcomes } from '../support/order-invariants.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker.js';
import { orderPlans, sagaProgress, startSagas, statusSummary } from '../support/saga-load.js';
import { waitFor } from '../support/wait-for.js';

/** How long the broker stays down: longer than every reply timeout and retry of the order saga. */
const OUTAGE_MS = Number(process.env.BROKER_OUTAGE_MS ?? 60_000);

describe('the broker stopped for a minute while sagas run', () => {
  let broker: PrivateBroker | undefined;
  let environment: CoordinatorEnvironment | undefined;
  let participants: ObservedParticipants | undefined;
  let coordinator: CoordinatorProcess | undefined;

  beforeAll(async () => {
    broker = await startPrivateBroker();
    environment = await createEnvironment('e2e_outage');
    participants = await startObservedParticipants(environment, [broker.address]);
    coordinator = launchCoordinator({ ...environment.env, KAFKA_BROKERS: broker.address });
    await coordinator.url;
  }, 180_000);

  afterAll(async () => {
    await coordinator?.service.stop('SIGKILL');
    await participants?.stop();
    await environment?.dispose();
    await broker?.dispose();
  }, 120_000);

  it('delays the sagas it catches, then ends each as its input says', async () => {
    const url = () => coordinator!.url;
    const before = orderPlans('before', 20);
    const during = orderPlans('during', 20);
    const startedBefore = await startSagas(before, url);
    await waitForSagas(
      environment!.db,
      startedBefore.map((s) => s.sagaId),
      ['completed', 'compensated'],
    );

    // Sagas started while the broker goes down and stays down: HTTP starts are durable without it.
    await broker!.stop();
    const startedDuring = await startSagas(during, url, { concurrency: 2 });
    const outageEnds = Date.now() + OUTAGE_MS;
    await waitFor(
      'the commands of every saga started in the outage to wait in the outbox',
      async () =>
        (await sagaProgress(environment!.db)).unsentOutbox >= during.length ? true : undefined,
    );
    // The outage itself is the condition under test: it lasts OUTAGE_MS whatever the machine does.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
    expect(coordinator!.service.child.exitCode).toBeNull();
    await broker!.restart();

    const all = [...startedBefore, ...startedDuring];
    const ended = await waitForSagas(
      environment!.db,
      all.map((s) => s.sagaId),
      ['completed', 'compensated', 'stuck'],
      120_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await statusSummary(environment!.db)}`);
    });
    const statusOf = new Map(ended.map((row) => [row.id, row.status]));
    expect(all.map((s) => statusOf.get(s.sagaId))).toEqual(all.map((s) => s.plan.expected));
    expect(effectsAgainstOutcomes(ended, appliedEffects(participants!.ledgers))).toEqual([]);
    expect(coordinator!.service.child.exitCode).toBeNull();
  }, 300_000);
});
