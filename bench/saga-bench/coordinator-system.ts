import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { COORDINATOR_NODE_FLAGS } from '../../apps/coordinator/src/runtime/node-flags.js';
import type { BenchEnvironment } from './bench-system.js';
import { forkReady, type BenchChild } from './child-process.js';
import { BENCH_DIR, KafkaSagaSystem } from './kafka-saga-system.js';
import { readStageTotals, type StageTotals } from './stage-times.js';

/** A port of 127.0.0.1 free right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * The coordinator's Node.js flags, as `npm start` and the image give them; with
 * BENCH_CPU_PROF=<dir>, it also writes a V8 CPU profile there when it stops.
 */
function nodeFlags(): { execArgv: string[] } {
  const dir = process.env.BENCH_CPU_PROF;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  return { execArgv: [...COORDINATOR_NODE_FLAGS, ...profile] };
}

/** The saga coordinator as a user runs it: the service, on a schema of its own. */
export class CoordinatorSystem extends KafkaSagaSystem {
  private metricsUrl: string | undefined;

  constructor(name = 'coordinator') {
    super(name);
  }

  /** Its consumers' timings, from its `/metrics`. */
  stageTotals(): Promise<StageTotals> {
    if (this.metricsUrl === undefined) throw new Error(`${this.name} is not set up`);
    return readStageTotals(this.metricsUrl);
  }

  protected startEngine(
    environment: BenchEnvironment,
    kafkaEnv: Record<string, string>,
  ): Promise<BenchChild> {
    return this.startCoordinator(environment, kafkaEnv);
  }

  /** The coordinator's process on a schema of its own, with `env` on top of the bench's settings. */
  protected async startCoordinator(
    environment: BenchEnvironment,
    env: Record<string, string>,
  ): Promise<BenchChild> {
    const schema = `bench_coordinator_${environment.runId}`;
    const db = new pg.Client({ connectionString: environment.databaseUrl });
    await db.connect();
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await db.end();
    const port = env.PORT ?? String(await freePort());
    this.metricsUrl = `http://127.0.0.1:${port}/metrics`;
    return forkReady(
      `${BENCH_DIR}coordinator-process.js`,
      {
        DATABASE_URL: environment.databaseUrl,
        DATABASE_SCHEMA: schema,
        PORT: port,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // A throw-away key: the bench saga has no sensitive field, but the service requires one.
        ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        ...env,
      },
      nodeFlags(),
    );
  }
}

/** The coordinator running the bench saga compiled from its definition document (bench/definitions). */
export class CoordinatorDocumentSystem extends CoordinatorSystem {
  constructor() {
    super('coordinator-document');
  }

  protected override startEngine(
    environment: BenchEnvironment,
    kafkaEnv: Record<string, string>,
  ): Promise<BenchChild> {
    return this.startCoordinator(environment, { ...kafkaEnv, BENCH_SAGA_SOURCE: 'document' });
  }
}
