// The built coordinator, started as its own process against the real Kafka and Postgres.
import { kafkaBrokers, databaseUrl } from '../support/services.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';

const entry = 'dist/apps/coordinator/src/main.js';

describe('the coordinator process', () => {
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = undefined;
  });

  it('is live and ready when the database and the broker answer', async () => {
    service = startService(entry, {
      PORT: '0',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      DATABASE_URL: databaseUrl(),
    });
    const url = await listeningUrl(service);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'up', checks: { database: 'up', broker: 'up' } });
    expect(ready.status).toBe(200);
  });

  it('reports not ready, without the password, while its database is unreachable', async () => {
    service = startService(entry, {
      PORT: '0',
      DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/none',
    });
    const url = await listeningUrl(service);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = await ready.text();
    expect(JSON.parse(body)).toEqual({ status: 'down', checks: { database: 'down: unreachable' } });
    expect(body + service.output()).not.toContain('s3cret');
  });

  it('refuses to start on a wrong setting and names it', async () => {
    service = startService(entry, { PORT: 'eighty' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('PORT');
  });

  it('stops cleanly on SIGTERM', async () => {
    service = startService(entry, { PORT: '0' });
    await listeningUrl(service);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
