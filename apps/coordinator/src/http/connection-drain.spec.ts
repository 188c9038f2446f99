import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConnectionDrain } from './connection-drain.js';

/** GET / on `agent`; the answer's Connection header. */
function get(port: number, agent: Agent): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const sent = request({ port, host: '127.0.0.1', path: '/', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.headers.connection));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('ConnectionDrain', () => {
  let server: Server;
  let agent: Agent;

  afterEach(() => {
    agent?.destroy();
    server?.closeAllConnections();
  });

  it('lets the server close while a keep-alive client keeps its connection busy', async () => {
    const drain = new ConnectionDrain();
    const app = express();
    app.use(drain.middleware);
    let served = 0;
    let closed: Promise<void> | undefined;
    app.get('/', (_request, response) => {
      // The shutdown begins while the third request is in hand: its connection is busy then.
      if (++served === 3) {
        drain.begin(server);
        closed = new Promise<void>((resolve) => server.close(() => resolve()));
      }
      response.send('ok');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // As a pooled client does: the next request on the same connection as soon as the last is
    // answered, until refused.
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: (string | undefined)[] = [];
    while (answers.at(-1) !== 'refused') {
      answers.push(await get(port, agent).catch(() => 'refused'));
    }

    await closed;
    // The answer in hand at the start kept its connection; the next one closed it.
    expect(answers).toEqual(['keep-alive', 'keep-alive', 'keep-alive', 'close', 'refused']);
  });
});
