// What the coordinator's HTTP stack costs per request, apart from any saga: the built service in
// its embedded mode (no Kafka, no Postgres), driven by keep-alive clients on two routes that do
// no saga work: `GET /health/live`, and a `POST /sagas` refused for its saga type (400, the
// whole way of a start's request: body parsing, auth, validation, the Problem answer). Prints
// requests per second and the service's CPU per request (user + system, from /proc).
// Run: `npm run bench:http` (Linux). CLIENTS and SECONDS override the defaults.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';

const CLIENTS = Number(process.env.CLIENTS ?? 32);
const SECONDS = Number(process.env.SECONDS ?? 8);
const WARMUP_SECONDS = 3;

interface Route {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly status: number;
  body?(n: number): string;
}

const ROUTES: readonly Route[] = [
  { name: 'GET /health/live', method: 'GET', path: '/health/live', status: 200 },
  {
    name: 'POST /sagas, refused (400)',
    method: 'POST',
    path: '/sagas',
    status: 400,
    body: (n) => JSON.stringify({ sagaType: 'not.a.type', idempotencyKey: `k-${n}`, input: { n } }),
  },
];

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/** The process's CPU time so far, in ms (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function send(agent: Agent, port: number, route: Route, n: number): Promise<void> {
  const body = route.body?.(n);
  const headers: Record<string, string | number> =
    body === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port, path: route.path, method: route.method, agent, headers },
      (response) => {
        if (response.statusCode !== route.status) {
          reject(new Error(`${route.name}: answered ${response.statusCode}`));
        }
        response.resume();
        response.on('end', resolve);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** CLIENTS loops sending `route` for `seconds`; the requests answered. */
async function drive(port: number, route: Route, seconds: number): Promise<number> {
  const agent = new Agent({ keepAlive: true });
  let answered = 0;
  const until = Date.now() + seconds * 1_000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await send(agent, port, route, answered);
        answered++;
      }
    }),
  );
  agent.destroy();
  return answered;
}

async function startService(port: number): Promise<ChildProcess> {
  // Embedded: nothing configured. The rate limit would refuse the load (429).
  const { KAFKA_BROKERS: _kafka, DATABASE_URL: _database, ...env } = process.env;
  Object.assign(env, {
    PORT: String(port),
    LOG_LEVEL: 'error',
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
  const service = spawn(process.execPath, ['dist/apps/coordinator/src/main.js'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Its startup lines go to stderr: shown only if it exits.
  let stderr = '';
  service.stderr!.on(
    'data',
    (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)),
  );
  for (let tries = 0; tries < 240; tries++) {
    if (service.exitCode !== null) {
      throw new Error(`the service exited (${service.exitCode}):\n${stderr}`);
    }
    const up = await fetch(`http://127.0.0.1:${port}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return service;
    await new Promise((wait) => setTimeout(wait, 250));
  }
  service.kill('SIGKILL');
  throw new Error('the service did not answer /health/live within 60 s');
}

async function main(): Promise<void> {
  const port = await freePort();
  const service = await startService(port);
  try {
    console.log(`HTTP stack, ${CLIENTS} keep-alive clients, ${SECONDS} s per route:`);
    for (const route of ROUTES) {
      await drive(port, route, WARMUP_SECONDS);
      const before = cpuMs(service.pid!);
      const began = performance.now();
      const answered = await drive(port, route, SECONDS);
      const elapsedMs = performance.now() - began;
      const usedMs = cpuMs(service.pid!) - before;
      const perSecond = Math.round((answered * 1_000) / elapsedMs);
      const cpuUs = ((usedMs * 1_000) / answered).toFixed(1);
      console.log(`  ${route.name}: ${perSecond}/s, ${cpuUs} µs of the service's CPU each`);
    }
  } finally {
    service.kill('SIGTERM');
  }
}

await main();
