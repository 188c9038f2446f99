// One coordinator per embedded data directory (EMBEDDED_DATA_DIR), as a user runs it: a second
// process on the same directory refuses to start, saying which process holds it (two PGlite
// processes on one directory overwrite each other's files: a saga answered 202 by one was gone
// after both stopped); once the first stops, the directory is free, and its sagas are there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orderInput } from '../support/saga-load.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const entry = 'dist/apps/coordinator/src/main.js';

describe('an embedded data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'coordinator-data-'));
  const env = {
    PORT: '0',
    EMBEDDED_DATA_DIR: dataDir,
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
  };
  const started: ServiceProcess[] = [];
  const start = () => {
    const service = startService(entry, env);
    started.push(service);
    return service;
  };

  afterAll(async () => {
    for (const service of started) await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is held by one coordinator: a second refuses to start, and starts once the first stopped', async () => {
    const first = start();
    const url = await listeningUrl(first, 60_000);
    const answer = await fetch(`${url}/sagas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'data-dir-1',
        input: orderInput('data-dir-1'),
      }),
    });
    expect(answer.status).toBe(202);
    const { sagaId } = (await answer.json()) as { sagaId: string };

    const second = start();
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(`EMBEDDED_DATA_DIR ${dataDir} is in use by process`);

    expect(await first.stop('SIGTERM')).toBe(0);
    const third = start();
    const again = await listeningUrl(third, 60_000);
    await waitFor(`saga ${sagaId} to be read back`, async () => {
      const response = await fetch(`${again}/sagas/${sagaId}`);
      return response.status === 200 || undefined;
    });
  }, 180_000);
});
