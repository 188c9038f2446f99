// What the coordinator's HTTP stack costs per request, apart from any saga: the built service in
// its embedded mode (no Kafka, no Postgres) with API keys required, driven by keep-alive clients
// that send a key on two routes that do no saga work: `GET /health/live`, and a `POST /sagas`
// refused for its saga type (400: body parsing, the key's check, validation, the Problem
// answer: the whole way of a start's request). Prints requests per second and the service's
// CPU per request (user + system, from /proc). Run: `npm run bench:http` (Linux); CLIENTS and
// SECONDS override the defaults.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { readStat } from './saga-bench/process-stats.js';

const CLIENTS = positiveInteger('CLIENTS', 32);
const SECONDS = positiveInteger('SECONDS', 8);
const WARMUP_SECONDS = 3;
const API_KEY = randomBytes(32).toString('base64url');
/** What the service must not take from this process's environment: Kafka, Postgres, credentials. */
const NOT_INHERITED = /^(KAFKA_|DATABASE_URL$|AUTH_MODE$|API_KEYS|JWT_)/;

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

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

function cpuSeconds(pid: number): number {
  const stat = readStat(pid);
  if (stat === undefined) throw new Error(`no /proc/${pid}/stat: did the service exit?`);
  return stat.cpuSeconds;
}

function send(agent: Agent, port: number, route: Route, n: number): Promise<void> {
  const body = route.body?.(n);
  const headers: Record<string, string | number> = { 'x-api-key': API_KEY };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port, path: route.path, method: route.method, agent, headers },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === route.status
            ? resolve()
            : reject(new Error(`${route.name}: answered ${response.statusCode}`)),
        );
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** CLIENTS loops sending `route` for `seconds` (all stop at the first failure); the answers. */
async function drive(port: number, route: Route, seconds: number): Promise<number> {
  const agent = new Agent({ keepAlive: true });
  let answered = 0;
  let failed = false;
  const until = Date.now() + seconds * 1_000;
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (!failed && Date.now() < until) {
          await send(agent, port, route, answered).catch((error: unknown) => {
            failed = true;
            throw error;
          });
          answered++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return answered;
}

async function startService(port: number): Promise<ChildProcess> {
  // Embedded (no Kafka or Postgres), this bench's key required, no rate limit.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !NOT_INHERITED.test(name)),
  );
  const key = { id: 'bench', client: 'bench', roles: ['read', 'start'] };
  const sha256 = createHash('sha256').update(API_KEY).digest('hex');
  Object.assign(env, {
    PORT: String(port),
    LOG_LEVEL: 'error',
    AUTH_MODE: 'closed',
    API_KEYS: JSON.stringify([{ ...key, sha256 }]),
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
  const service = spawn(process.execPath, ['dist/apps/coordinator/src/main.js'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      service.kill('SIGTERM');
      process.exit(130);
    });
  }
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
      const before = cpuSeconds(service.pid!);
      const began = performance.now();
      const answered = await drive(port, route, SECONDS);
      const elapsedMs = performance.now() - began;
      const usedUs = (cpuSeconds(service.pid!) - before) * 1e6;
      const perSecond = Math.round((answered * 1_000) / elapsedMs);
      console.log(
        `  ${route.name}: ${perSecond}/s, ${(usedUs / answered).toFixed(1)} µs of the service's CPU each`,
      );
    }
  } finally {
    service.kill('SIGTERM');
  }
}

await main();
