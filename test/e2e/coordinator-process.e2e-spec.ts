// The built coordinator, started as its own process against the real Kafka and Postgres.
import { createEnvironment, type CoordinatorEnvironment } from '../support/coordinator-fixture.js';
import { waitFor } from '../support/wait-for.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';

const entry = 'dist/apps/coordinator/src/main.js';

describe('the coordinator process', () => {
  let environment: CoordinatorEnvironment;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_process');
  });

  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = undefined;
  });

  afterAll(async () => {
    await environment.dispose();
  });

  it('is live and ready when the database and the broker answer', async () => {
    service = startService(entry, { ...environment.env, PORT: '0' });
    const url = await listeningUrl(service);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    // Live at once; ready once the consumers have joined their groups.
    const ready = await waitFor('readiness', async () => {
      const answer = await fetch(`${url}/health/ready`);
      return answer.status === 200 ? answer : undefined;
    });
    expect(await ready.json()).toEqual({
      status: 'up',
      checks: { database: 'up', broker: 'up', consumers: 'up' },
    });
  });

  it('refuses to start while its database is unreachable, and never prints the password', async () => {
    service = startService(entry, {
      ...environment.env,
      PORT: '0',
      DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/none',
    });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('ECONNREFUSED');
    expect(service.output()).not.toContain('s3cret');
  });

  it('refuses to start on a wrong setting and names it', async () => {
    service = startService(entry, { PORT: 'eighty' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('PORT');
  });

  it('stops cleanly on SIGTERM', async () => {
    service = startService(entry, { ...environment.env, PORT: '0' });
    await listeningUrl(service);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
