import { topicNames } from '#contracts';
import type {
  BenchEnvironment,
  BenchProcess,
  BenchSystem,
  SagaEnd,
  StartLatencies,
} from './bench-system.js';
import { ECHO_PARTICIPANT } from './bench-saga.js';
import { forkReady, type BenchChild } from './child-process.js';
import { KafkaFrontDoor, type FrontDoor } from './kafka-front-door.js';

/** Where the built bench scripts are. */
export const BENCH_DIR = new URL('.', import.meta.url).pathname;

/** Partitions of every bench topic. */
export const BENCH_PARTITIONS = 8;

/**
 * A Kafka-native bench system (the coordinator, the floor): its engine in a process of its
 * own, the echo participant in another, starts published on `saga.start`, ends read from
 * `saga.events`. A subclass starts the engine.
 */
export abstract class KafkaSagaSystem implements BenchSystem {
  private engine: BenchChild | undefined;
  private echo: BenchChild | undefined;
  private door: FrontDoor | undefined;
  private prefix = '';
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  constructor(readonly name: string) {}

  /** Starts the engine's process, ready; `kafkaEnv` names the broker, prefix and partitions. */
  protected abstract startEngine(
    environment: BenchEnvironment,
    kafkaEnv: Record<string, string>,
  ): Promise<BenchChild>;

  async setup(environment: BenchEnvironment): Promise<void> {
    this.prefix = `bench.${environment.runId}.${this.name}.`;
    const kafkaEnv = {
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      TOPIC_PREFIX: this.prefix,
      TOPIC_PARTITIONS: String(BENCH_PARTITIONS),
    };
    this.engine = await this.startEngine(environment, kafkaEnv);
    this.echo = await forkReady(`${BENCH_DIR}echo-participant.js`, kafkaEnv);
    this.door = this.openFrontDoor(environment, `bench.${environment.runId}.${this.name}.load`);
    this.door.onEnd((key, end) => this.listener(key, end));
    await this.door.connect();
  }

  /** How the bench starts sagas and hears of their ends: `saga.start` and `saga.events`. */
  protected openFrontDoor(environment: BenchEnvironment, groupId: string): FrontDoor {
    return new KafkaFrontDoor(environment.kafkaBrokers, this.prefix, groupId);
  }

  /** The topic prefix of this run's system. */
  protected get topicPrefix(): string {
    return this.prefix;
  }

  start(key: string, fail: boolean): void {
    this.door!.start(key, fail);
  }

  takeStartLatencies(): StartLatencies | undefined {
    return this.door?.takeStartLatencies?.();
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  processes(): readonly BenchProcess[] {
    return [
      { role: this.name, pid: this.engine!.pid },
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
    await this.engine?.stop();
  }
}
