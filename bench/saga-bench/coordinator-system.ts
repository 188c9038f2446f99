import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { topicNames } from '#contracts';
import type { BenchEnvironment, BenchProcess, BenchSystem, SagaEnd } from './bench-system.js';
import { ECHO_PARTICIPANT } from './bench-saga.js';
import { forkReady, type BenchChild } from './child-process.js';
import { KafkaFrontDoor } from './kafka-front-door.js';

const here = new URL('.', import.meta.url).pathname;
/** With BENCH_CPU_PROF=<dir>, the coordinator writes a V8 CPU profile there when it stops. */
function profiled(): { execArgv?: string[] } {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] } : {};
}

/** Partitions of every bench topic. */
export const BENCH_PARTITIONS = 8;

/**
 * The saga coordinator as a user runs it: the service in its own process, the echo participant
 * in another, starts published on `saga.start`, ends read from `saga.events`.
 */
export class CoordinatorSystem implements BenchSystem {
  readonly name = 'coordinator';
  private coordinator: BenchChild | undefined;
  private echo: BenchChild | undefined;
  private door: KafkaFrontDoor | undefined;
  private prefix = '';
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  async setup(environment: BenchEnvironment): Promise<void> {
    const schema = `bench_coordinator_${environment.runId}`;
    this.prefix = `bench.${environment.runId}.coordinator.`;
    const db = new pg.Client({ connectionString: environment.databaseUrl });
    await db.connect();
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await db.end();
    const common = {
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      TOPIC_PREFIX: this.prefix,
      TOPIC_PARTITIONS: String(BENCH_PARTITIONS),
    };
    this.coordinator = await forkReady(
      `${here}coordinator-process.js`,
      {
        ...common,
        DATABASE_URL: environment.databaseUrl,
        DATABASE_SCHEMA: schema,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // A throw-away key: the bench saga has no sensitive field, but the service requires one.
        ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        ...this.extraEnv,
      },
      profiled(),
    );
    this.echo = await forkReady(`${here}echo-participant.js`, common);
    this.door = new KafkaFrontDoor(
      environment.kafkaBrokers,
      this.prefix,
      `bench.${environment.runId}.coordinator.load`,
    );
    this.door.onEnd((key, end) => this.listener(key, end));
    await this.door.connect();
  }

  start(key: string, fail: boolean): void {
    this.door!.start(key, fail);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  processes(): readonly BenchProcess[] {
    return [
      { role: 'coordinator', pid: this.coordinator!.pid },
      { role: 'echo participant', pid: this.echo!.pid },
    ];
  }

  topics(): readonly string[] {
    const topics = topicNames(this.prefix);
    return [topics.start, topics.replies, topics.events, topics.commands(ECHO_PARTICIPANT)];
  }

  async teardown(): Promise<void> {
    await this.door?.close();
    await this.echo?.stop();
    await this.coordinator?.stop();
  }
}
