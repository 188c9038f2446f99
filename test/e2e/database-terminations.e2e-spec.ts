// Postgres backends terminated again and again under load (pg_terminate_backend, as a failover
// or an operator does), under a coordinator process and a participants process: neither process
// exits, and every saga still ends. Only this test's connections are terminated: each process
// names its own in application_name.
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import { openBackendTerminator, urlWithApplicationName } from '../support/database-sessions.js';
import { orderPlans, startSagas, statusSummary } from '../support/saga-load.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const PARTICIPANTS_ENTRY = 'dist/apps/sample-participants/src/main.js';
const SAGAS = 40;
/** Backends of each process to terminate while the sagas start and run. */
const TERMINATIONS = 20;

describe('Postgres backends terminated under load', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorProcess | undefined;
  let participants: ServiceProcess | undefined;
  let coordinatorApp: string;
  let participantsApp: string;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_pgkill');
    coordinatorApp = `${environment.schema}_c`;
    participantsApp = `${environment.schema}_p`;
  });

  afterAll(async () => {
    await coordinator?.service.stop('SIGKILL');
    await participants?.stop('SIGKILL');
    for (const name of ['inventory', 'notification', 'payment', 'shipping']) {
      await environment.db.query(`DROP SCHEMA IF EXISTS "${environment.schema}_${name}" CASCADE`);
    }
    await environment.dispose();
  });

  /** Throws with the process's last lines if it has exited. */
  function assertAlive(name: string, service: ServiceProcess): void {
    if (service.child.exitCode === null && service.child.signalCode === null) return;
    const tail = service.output().split('\n').slice(-30).join('\n');
    throw new Error(`the ${name} process exited (${service.child.exitCode}):\n${tail}`);
  }

  it('keeps both processes alive and ends every saga', async () => {
    const participantsService = startService(PARTICIPANTS_ENTRY, {
      KAFKA_BROKERS: environment.env.KAFKA_BROKERS!,
      DATABASE_URL: urlWithApplicationName(participantsApp),
      TOPIC_PREFIX: environment.topicPrefix,
      TOPIC_PARTITIONS: '3',
      PARTICIPANT_SCHEMA_PREFIX: `${environment.schema}_`,
    });
    participants = participantsService;
    await waitFor(
      'the participants to consume',
      () => {
        assertAlive('participants', participantsService);
        return participantsService.output().includes('Sample participants are consuming');
      },
      { timeoutMs: 60_000 },
    );
    const started = launchCoordinator({
      ...environment.env,
      DATABASE_URL: urlWithApplicationName(coordinatorApp),
    });
    coordinator = started;
    const url = await started.url;
    const loadStartedAt = Date.now();

    const killed = { coordinator: 0, participants: 0 };
    let sweeps = 0;
    const starting = startSagas(orderPlans(environment.schema, SAGAS), () => Promise.resolve(url), {
      concurrency: 4,
    });
    starting.catch(() => undefined); // awaited below; a failed sweep must not leave it unhandled
    // Sweeps while the sagas start and run, until each process lost enough backends.
    const terminator = await openBackendTerminator();
    await waitFor(
      `${TERMINATIONS} backends of each process terminated while sagas start and run`,
      async () => {
        assertAlive('coordinator', started.service);
        assertAlive('participants', participantsService);
        const ended = await terminator.terminate([coordinatorApp, participantsApp]);
        killed.coordinator += ended[coordinatorApp] ?? 0;
        killed.participants += ended[participantsApp] ?? 0;
        sweeps++;
        return killed.coordinator >= TERMINATIONS && killed.participants >= TERMINATIONS
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    await terminator.close();
    const sweptAt = Date.now();
    const sagas = await starting;
    const ids = sagas.map((saga) => saga.sagaId);
    const ended = await waitForSagas(
      environment.db,
      ids,
      ['completed', 'compensated'],
      120_000,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; sagas: ${await statusSummary(environment.db)}`);
    });
    const endedAt = Date.now();
    assertAlive('coordinator', started.service);
    assertAlive('participants', participantsService);
    expect(ended).toHaveLength(SAGAS);
    const expected = new Map(sagas.map((saga) => [saga.sagaId, saga.plan.expected]));
    const asPlanned = ended.filter((row) => expected.get(row.id) === row.status).length;
    console.log(
      `${sweeps} sweeps terminated ${killed.coordinator} coordinator and ${killed.participants} participant backends; ` +
        `${SAGAS} sagas ended (${asPlanned} as their input says): ${await statusSummary(environment.db)}; ` +
        `${sagas.reduce((sum, saga) => sum + saga.requests, 0)} start requests; ` +
        `swept for ${sweptAt - loadStartedAt} ms, all ended ${endedAt - sweptAt} ms later`,
    );
  }, 300_000);
});
