import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { faultConfigSchema } from './fault-config.js';
import type { FaultInjector } from './fault-injector.js';

/** Largest request body accepted, in bytes. */
const MAX_BODY = 64 * 1024;

/**
 * Serves the fault configuration over HTTP: `GET /faults` answers `{ faults, injected }`,
 * `PUT /faults` replaces the configuration with a validated body (400 naming the bad fields).
 * Resolves with the server and its port once it listens on `host:port` (port 0: any free one).
 */
export async function startFaultAdminServer(
  injector: FaultInjector,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url !== '/faults') return send(404, { message: 'not found' });
    if (request.method === 'GET') {
      return send(200, { faults: injector.current, injected: injector.injected() });
    }
    if (request.method !== 'PUT') return send(405, { message: 'GET or PUT' });
    readJson(request).then(
      (body) => {
        const parsed = faultConfigSchema.safeParse(body);
        if (!parsed.success) return send(400, { message: z.prettifyError(parsed.error) });
        injector.replace(parsed.data);
        send(200, { faults: injector.current, injected: injector.injected() });
      },
      (error: Error) => send(400, { message: error.message }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new Error('the body is too large');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('the body is not JSON');
  }
}
