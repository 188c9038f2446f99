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
    // Each answer waits a moment: the connection is never idle when the server closes.
    app.get('/', (_request, response) => void setTimeout(() => response.send('ok'), 5));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: (string | undefined)[] = [];
    let stopLooping = false;
    const looping = (async () => {
      // As a pooled client does: the next request as soon as the last is answered, until refused.
      while (!stopLooping) answers.push(await get(port, agent).catch(() => 'refused'));
    })();
    while (answers.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    drain.begin(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    stopLooping = true;
    await looping;

    expect(answers.slice(0, 3)).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
    expect(answers).toContain('close');
  });
});
