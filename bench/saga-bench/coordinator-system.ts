import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { COORDINATOR_NODE_FLAGS } from '../../apps/coordinator/src/runtime/node-flags.js';
import { ECHO_PARTICIPANT } from './bench-saga.js';
import type { BenchEnvironment } from './bench-system.js';
import { forkReady, type BenchChild } from './child-process.js';
import { BENCH_DIR, KafkaSagaSystem } from './kafka-saga-system.js';
import { readStageTotals, type StageTotals } from './stage-times.js';

/**
 * The coordinator's Node.js flags, as `npm start` and the image give them; with
 * BENCH_CPU_PROF=<dir>, it also writes a V8 CPU profile there when it stops.
 */
function nodeFlags(): { execArgv: string[] } {
  const dir = process.env.BENCH_CPU_PROF;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  return { execArgv: [...COORDINATOR_NODE_FLAGS, ...profile] };
}

/**
 * The cap on commands in flight the bench gives its echo participant, as an operator sizes it
 * for a participant that answers as fast as it reads (`PARTICIPANT_OVERRIDES`): that participant
 * takes every step of every saga, so it has about rate × 3.2 × round trip commands in flight,
 * past the default 1,000 from about 1,000 sagas/s on 2 cores, and a cap that binds measures the
 * cap (every command held, at a row and a release each), not the coordinator. 10,000 is the
 * default cap on sagas in flight, which binds first for steps in a row (docs/BENCHMARKS.md,
 * "A participant's cap sized to its rate"). PARTICIPANT_OVERRIDES in the environment wins.
 */
const ECHO_MAX_COMMANDS_IN_FLIGHT = 10_000;

/** The saga coordinator as a user runs it: the service, on a schema of its own. */
export class CoordinatorSystem extends KafkaSagaSystem {
  private serviceUrl: string | undefined;

  constructor(name = 'coordinator') {
    super(name);
  }

  /** Its consumers' timings, from its `/metrics`; undefined when it could not be read. */
  async stageTotals(): Promise<StageTotals | undefined> {
    return this.serviceUrl === undefined
      ? undefined
      : readStageTotals(`${this.serviceUrl}/metrics`);
  }

  /** Where its HTTP API is, once set up. */
  protected get url(): string {
    if (this.serviceUrl === undefined) throw new Error(`${this.name} is not set up`);
    return this.serviceUrl;
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
    const child = await forkReady(
      `${BENCH_DIR}coordinator-process.js`,
      {
        DATABASE_URL: environment.databaseUrl,
        DATABASE_SCHEMA: schema,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // A throw-away key: the bench saga has no sensitive field, but the service requires one.
        ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        PARTICIPANT_OVERRIDES:
          process.env.PARTICIPANT_OVERRIDES ??
          JSON.stringify({
            [ECHO_PARTICIPANT]: { maxCommandsInFlight: ECHO_MAX_COMMANDS_IN_FLIGHT },
          }),
        ...env,
      },
      nodeFlags(),
    );
    if (child.url === undefined) throw new Error(`${this.name} did not say where it serves`);
    this.serviceUrl = child.url;
    return child;
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
