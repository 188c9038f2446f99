// What tracing costs: runs the built coordinator and sample participants as separate processes
// on the real Kafka and Postgres, starts the same batch of order sagas with tracing off and then
// on (exported over OTLP/HTTP to a local sink that discards it), and prints sagas per second for
// both. Run: `KAFKA_BROKERS=… DATABASE_URL=… npm run bench:tracing` (SAGAS, CONCURRENCY, ROUNDS
// tune it). On a shared machine the figure is indicative only.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashApiKey } from '../apps/coordinator/src/security/api-keys.js';

const SAGAS = Number(process.env.SAGAS ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const brokers = required('KAFKA_BROKERS');
/** A key for this run only, allowed to start sagas; and a throw-away encryption key. */
const apiKey = randomBytes(24).toString('hex');
const security = {
  API_KEYS: JSON.stringify([
    { id: 'bench-1', client: 'bench', roles: ['start'], sha256: hashApiKey(apiKey) },
  ]),
  ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  // The load generator is one client: its rate limit must not be what is measured.
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
};
const databaseUrl = required('DATABASE_URL');

interface Service {
  child: ChildProcess;
  output: () => string;
}

async function main(): Promise<void> {
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const otlp = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const results: Record<string, number[]> = { off: [], on: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of ['off', 'on'] as const) {
      const tracing: Record<string, string> =
        mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp } : {};
      const rate = await runOnce(`bench_tr_${mode}_${round}_${Date.now() % 100_000}`, tracing);
      results[mode]!.push(rate);
      console.log(`round ${round}, tracing ${mode}: ${rate.toFixed(1)} sagas/s`);
    }
  }
  sink.close();
  const best = (rates: number[]) => Math.max(...rates);
  const off = best(results.off!);
  const on = best(results.on!);
  console.log(
    `${SAGAS} sagas, ${CONCURRENCY} concurrent starts, best of ${ROUNDS}: ` +
      `tracing off ${off.toFixed(1)} sagas/s, on ${on.toFixed(1)} sagas/s ` +
      `(${(((off - on) / off) * 100).toFixed(1)}% less with tracing)`,
  );
}

/** Runs SAGAS sagas on a fresh schema and topic prefix; resolves with sagas ended per second. */
async function runOnce(name: string, tracing: Record<string, string>): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(`CREATE SCHEMA ${name}`);
  const env = {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: name,
    TOPIC_PREFIX: `${name}.`,
    TOPIC_PARTITIONS: '3',
    RELAY_POLL_MS: '100',
    TIMER_POLL_MS: '50',
    ...security,
    ...tracing,
  };
  const coordinator = start('dist/apps/coordinator/src/main.js', {
    ...env,
    PORT: '0',
    LOG_LEVEL: 'warn',
  });
  const participants = start('dist/apps/sample-participants/src/main.js', env);
  try {
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(coordinator.output())?.[1]);
    await until(() => participants.output().includes('are consuming their commands') || undefined);
    await until(async () => (await fetch(`${url}/health/ready`)).ok || undefined);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // let start-up settle
    const startedAt = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < SAGAS) {
        const index = next++;
        const answer = await fetch(`${url}/sagas`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `ApiKey ${apiKey}` },
          body: JSON.stringify({
            sagaType: 'order',
            idempotencyKey: `bench-${index}`,
            input: {
              orderId: `o-${index}`,
              customerId: 'c-1',
              items: [{ sku: 'apple', quantity: 1 }],
              // One in ten is declined and compensates.
              amount: index % 10 === 0 ? 50_000 : 120,
              currency: 'EUR',
            },
          }),
        });
        if (answer.status !== 202) throw new Error(`start answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await until(async () => {
      const { rows } = await db.query<{ open: string }>(
        // A saga stuck in compensation (replies timing out on an overloaded machine) has ended too.
        `SELECT count(*) AS open FROM ${name}.sagas WHERE status IN ('running', 'compensating')`,
      );
      return Number(rows[0]!.open) === 0 || undefined;
    }, 300_000);
    return SAGAS / ((performance.now() - startedAt) / 1000);
  } catch (error) {
    const tail = (service: Service) => service.output().split('\n').slice(-15).join('\n');
    console.error(`coordinator:\n${tail(coordinator)}\nparticipants:\n${tail(participants)}`);
    throw error;
  } finally {
    for (const service of [participants, coordinator]) service.child.kill('SIGKILL');
    await db.query(`DROP SCHEMA ${name} CASCADE`);
    await db.end();
  }
}

function start(entry: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return { child, output: () => printed };
}

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
