// The built coordinator, started as its own process against the real Kafka and Postgres.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvironment, type CoordinatorEnvironment } from '../support/coordinator-fixture.js';
import { asKey, TEST_API_KEYS_JSON, TEST_KEYS } from '../support/test-credentials.js';
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

  it('waits out an unreachable database for its start-up phase, then refuses to start, never printing the password', async () => {
    service = startService(entry, {
      ...environment.env,
      PORT: '0',
      DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/none',
      STARTUP_DATABASE_TIMEOUT_MS: '2000',
    });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('database unavailable during start-up, trying again');
    expect(service.output()).toContain('ECONNREFUSED');
    expect(service.output()).not.toContain('s3cret');
  });

  it('waits out an unreachable broker for its start-up phase, then refuses to start', async () => {
    service = startService(entry, {
      ...environment.env,
      PORT: '0',
      KAFKA_BROKERS: '127.0.0.1:1',
      STARTUP_TOPICS_TIMEOUT_MS: '20000',
    });
    expect(await service.exited).toBe(1);
    // kafkajs gives up on a refused port after some 9 s of its own retries: tried again after it.
    expect(service.output()).toContain('broker unavailable during start-up, trying again');
    expect(service.output()).toContain('ECONNREFUSED');
  }, 60_000);

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

  it('is closed, and a key revoked in API_KEYS_FILE is refused after SIGHUP, without a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'api-keys-')), 'api-keys.json');
    const keys = JSON.parse(TEST_API_KEYS_JSON) as { client: string; revoked?: boolean }[];
    writeFileSync(file, JSON.stringify(keys));
    service = startService(entry, {
      ...environment.env,
      PORT: '0',
      API_KEYS: '',
      API_KEYS_FILE: file,
    });
    const url = await listeningUrl(service);
    const list = (headers: Record<string, string>) => fetch(`${url}/sagas`, { headers });
    expect((await list({})).status).toBe(401);
    expect((await list(asKey('reader'))).status).toBe(200);
    const revoked = keys.map((key) => (key.client === 'reader' ? { ...key, revoked: true } : key));
    writeFileSync(file, JSON.stringify(revoked));
    service.child.kill('SIGHUP');
    await waitFor('the reader key to be refused', async () =>
      (await list(asKey('reader'))).status === 401 ? true : undefined,
    );
    expect((await list(asKey('admin'))).status).toBe(200);
    expect(service.output()).toContain('API keys reloaded');
    expect(service.output()).not.toContain(TEST_KEYS.reader);
  });
});
