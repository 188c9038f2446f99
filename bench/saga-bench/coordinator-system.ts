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
 * The two settings an operator gives a coordinator whose one participant answers as fast as it
 * reads (the product's defaults: 1,000 and 100). A command counts against its participant's cap
 * until its reply is decided, and the echo participant takes every step of every saga: past
 * saturation, when a round trip grows to hundreds of ms, it has more than 1,000 in flight, and a
 * cap that binds holds every new command (a row and a release each): the bench would measure the
 * cap, not the coordinator. A saga has one command in flight at most, so at 10,000 the cap on
 * sagas in flight binds first (give or take a start chunk). With that cap, starts in chunks of
 * 800 let a saturated instance grow its decisions as the floor grows its batches. Each is left
 * out when the environment sets it, the echo cap also when it sets the default participant cap
 * (docs/BENCHMARKS.md, "A participant's cap sized to its rate").
 */
const ECHO_MAX_COMMANDS_IN_FLIGHT = 10_000;
const START_CHUNK = 800;

/** The bench's settings of the coordinator (above), but for those the environment sets. */
function benchTuning(): Record<string, string> {
  const { env } = process;
  // Set means not empty, as the report's command line counts it (run-bench.ts).
  const capSet = Boolean(env.PARTICIPANT_OVERRIDES || env.MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT);
  const overrides = { [ECHO_PARTICIPANT]: { maxCommandsInFlight: ECHO_MAX_COMMANDS_IN_FLIGHT } };
  return {
    ...(capSet ? {} : { PARTICIPANT_OVERRIDES: JSON.stringify(overrides) }),
    ...(env.START_CHUNK ? {} : { START_CHUNK: String(START_CHUNK) }),
  };
}

/**
 * The saga coordinator as a user runs it, tuned for the bench's one fast participant (above):
 * the service, on a schema of its own.
 */
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
        ...benchTuning(),
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
