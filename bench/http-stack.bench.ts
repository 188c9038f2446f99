// What the coordinator's HTTP stack costs per request, apart from any saga: the service as the
// saga bench runs it (saga-bench/coordinator-process.ts, with the product's Node flags) in its
// embedded mode (no Kafka, no Postgres) with API keys required, driven by keep-alive clients
// that send a key on two routes that do no saga work: `GET /health/live`, and a `POST /sagas`
// refused for its saga type (400: body parsing, the key's check, validation, the Problem
// answer: the whole way of a start's request). Prints requests per second and the service's
// CPU per request (user + system, from /proc). Run: `npm run bench:http` (Linux); CLIENTS and
// SECONDS override the defaults.
import { randomBytes } from 'node:crypto';
import { COORDINATOR_NODE_FLAGS } from '../apps/coordinator/src/runtime/node-flags.js';
import { hashApiKey } from '../apps/coordinator/src/security/api-keys.js';
import { forkReady, type BenchChild } from './saga-bench/child-process.js';
import { BENCH_DIR } from './saga-bench/kafka-saga-system.js';
import { keepAliveAgent, send } from './saga-bench/keep-alive-request.js';
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

function cpuSeconds(pid: number): number {
  const stat = readStat(pid);
  if (stat === undefined) throw new Error(`no /proc/${pid}/stat: did the service exit?`);
  return stat.cpuSeconds;
}

/** CLIENTS loops sending `route` for `seconds` (all stop at the first failure); the answers. */
async function drive(url: string, route: Route, seconds: number): Promise<number> {
  const agent = keepAliveAgent();
  let answered = 0;
  let failed = false;
  const until = Date.now() + seconds * 1_000;
  const client = async () => {
    while (!failed && Date.now() < until) {
      const body = route.body?.(answered);
      const { status } = await send(
        agent,
        `${url}${route.path}`,
        route.method,
        { 'x-api-key': API_KEY },
        body,
      );
      if (status !== route.status) {
        failed = true;
        throw new Error(`${route.name}: answered ${status}`);
      }
      answered++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, client));
  } finally {
    agent.destroy();
  }
  return answered;
}

/** The service, embedded, this bench's key required, no rate limit; it says its URL when ready. */
function startService(): Promise<BenchChild> {
  // forkReady passes this process's environment on: what must not reach the service goes first.
  for (const name of Object.keys(process.env)) {
    if (NOT_INHERITED.test(name)) delete process.env[name];
  }
  const key = { id: 'bench', client: 'bench', roles: ['read', 'start'] };
  return forkReady(
    `${BENCH_DIR}coordinator-process.js`,
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      AUTH_MODE: 'closed',
      API_KEYS: JSON.stringify([{ ...key, sha256: hashApiKey(API_KEY) }]),
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
    },
    { execArgv: [...COORDINATOR_NODE_FLAGS] },
  );
}

async function main(): Promise<void> {
  const service = await startService();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void service.stop().finally(() => process.exit(130)));
  }
  try {
    console.log(`HTTP stack, ${CLIENTS} keep-alive clients, ${SECONDS} s per route:`);
    for (const route of ROUTES) {
      await drive(service.url!, route, WARMUP_SECONDS);
      const before = cpuSeconds(service.pid);
      const began = performance.now();
      const answered = await drive(service.url!, route, SECONDS);
      const elapsedMs = performance.now() - began;
      const usedUs = (cpuSeconds(service.pid) - before) * 1e6;
      const perSecond = Math.round((answered * 1_000) / elapsedMs);
      console.log(
        `  ${route.name}: ${perSecond}/s, ${(usedUs / answered).toFixed(1)} µs of the service's CPU each`,
      );
    }
  } finally {
    await service.stop();
  }
}

await main();
