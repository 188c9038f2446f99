// sagactl, the built binary, when the reader of its stdout goes away (`sagactl watch … | head`),
// its answers given by a small HTTP server in the test: no coordinator needed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const CLI = 'dist/apps/sagactl/src/main.js';

/** An audit page of `GET /sagas/:id/audit`: one new line, the saga still running. */
const runningPage = (seq: number) => ({
  items: [
    {
      seq: String(seq),
      at: '2026-12-04T04:00:00.000Z',
      eventType: 'reply',
      fromStatus: 'running',
      toStatus: 'running',
      stepId: 'charge',
      attempt: 1,
      actor: 'system',
      applied: true,
      detail: `line ${seq}`,
    },
  ],
  nextCursor: null,
});

describe('sagactl, when the reader of its output goes away', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // A saga that never ends: every poll gives one more audit line, so `watch` writes on.
    let seq = 0;
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(runningPage(++seq)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('watch exits 141, never 0 (completed), when its reader stops after one line', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'watch', 's-1', '--interval', '50', '-o', 'table'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', SAGACTL_URL: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The reader: `head -1`, that closes its end of the pipe after the first line.
    let read = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      read += chunk;
      if (read.includes('\n')) child.stdout.destroy();
    });
    const [code, signal] = await exited;
    expect({ code, signal, stderr }).toEqual({ code: 141, signal: null, stderr: '' });
    expect(read).toContain('line 1');
  });
});
