// The participants' fault admin endpoint over HTTP on localhost.
import type { Server } from 'node:http';
import { startFaultAdminServer } from '../../../apps/sample-participants/src/faults/fault-admin-server.js';
import { FaultInjector } from '../../../apps/sample-participants/src/faults/fault-injector.js';
import { seededRandom } from '../../../apps/sample-participants/src/faults/seeded-random.js';

describe('the fault admin endpoint', () => {
  let server: Server;
  let url: string;
  const injector = new FaultInjector(
    {},
    {
      random: seededRandom(1),
      sleep: async () => undefined,
      crash: () => undefined,
    },
  );

  beforeAll(async () => {
    const started = await startFaultAdminServer(injector, 0);
    server = started.server;
    url = `http://127.0.0.1:${started.port}/faults`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the faults in force and the counts injected', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ faults: {}, injected: { dropReply: 0 } });
  });

  it('replaces the faults with a valid body, defaults filled in', async () => {
    const response = await fetch(url, {
      method: 'PUT',
      body: JSON.stringify({ payment: { dropReplyRate: 0.5 } }),
    });
    expect(response.status).toBe(200);
    expect(injector.current.payment).toMatchObject({ dropReplyRate: 0.5, transientErrorRate: 0 });
  });

  it('refuses a body that does not fit with 400 naming the field, and keeps the faults', async () => {
    const response = await fetch(url, {
      method: 'PUT',
      body: JSON.stringify({ payment: { dropReplyRate: 3 } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/dropReplyRate/);
    expect(injector.current.payment?.dropReplyRate).toBe(0.5);
  });
});
