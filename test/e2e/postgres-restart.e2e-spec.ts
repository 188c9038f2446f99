// Postgres restarted under load (failure window 7): every connection of the coordinator and of
// the participants is cut, mid-transaction for some. No process may exit; each transaction that
// was cut is retried; every saga ends as its input says and no effect is applied twice or left
// without its undo. The database here is the test's own (test/support/private-postgres.ts).
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import { effectsAgainstOutcomes, effectsAppliedTwice } from '../support/order-invariants.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { orderPlans, sagaProgress, startSagas, statusSummary } from '../support/saga-load.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';
import { dropLedgers, readLedgers } from '../chaos/participant-ledgers.js';

const PARTICIPANTS = ['inventory', 'notification', 'payment', 'shipping'];
const SAGAS = 60;

describe('Postgres restarted while sagas run', () => {
  let postgres: PrivatePostgres | undefined;
  let environment: CoordinatorEnvironment | undefined;
  let coordinator: CoordinatorProcess | undefined;
  let participants: ServiceProcess | undefined;
  let schemaPrefix = '';

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    environment = await createEnvironment('e2e_pg_restart', { databaseUrl: postgres.url });
    schemaPrefix = `${environment.schema}_`;
    coordinator = launchCoordinator(environment.env);
    await coordinator.url;
    participants = startService('dist/apps/sample-participants/src/main.js', {
      KAFKA_BROKERS: environment.env.KAFKA_BROKERS!,
      DATABASE_URL: postgres.url,
      TOPIC_PREFIX: environment.topicPrefix,
      TOPIC_PARTITIONS: '3',
      PARTICIPANT_SCHEMA_PREFIX: schemaPrefix,
    });
    await waitFor(
      'the participants to consume',
      () => {
        if (participants!.child.exitCode !== null)
          throw new Error(`the participants exited:\n${participants!.output()}`);
        return participants!.output().includes('are consuming their commands');
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
  }, 180_000);

  afterAll(async () => {
    await coordinator?.service.stop('SIGKILL');
    await participants?.stop('SIGKILL');
    if (environment) await dropLedgers(environment.db, schemaPrefix, PARTICIPANTS);
    await environment?.dispose();
    await postgres?.dispose();
  }, 120_000);

  it('ends every saga as its input says, with no process down', async () => {
    const plans = orderPlans('pg-restart', SAGAS);
    const loading = startSagas(plans, () => coordinator!.url, { concurrency: 4, pauseMs: 20 });
    loading.catch(() => undefined);
    // Restart once a third of the sagas has started: the rest start across the restart.
    await waitFor('a third of the sagas to start', async () =>
      (await sagaProgress(environment!.db)).total >= SAGAS / 3 ? true : undefined,
    );
    await postgres!.restart();
    const started = await loading;

    const ended = await waitForSagas(
      environment!.db,
      started.map((s) => s.sagaId),
      ['completed', 'compensated', 'stuck'],
      120_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await statusSummary(environment!.db)}`);
    });
    const statusOf = new Map(ended.map((row) => [row.id, row.status]));
    expect(started.map((s) => statusOf.get(s.sagaId))).toEqual(plans.map((p) => p.expected));
    const effects = await readLedgers(environment!.db, schemaPrefix, PARTICIPANTS);
    expect(effectsAppliedTwice(effects)).toEqual([]);
    expect(effectsAgainstOutcomes(ended, effects)).toEqual([]);
    expect(coordinator!.service.child.exitCode).toBeNull();
    expect(participants!.child.exitCode).toBeNull();
  }, 300_000);
});
