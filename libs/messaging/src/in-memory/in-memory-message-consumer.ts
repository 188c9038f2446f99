import { deadLetterHeaders, deadLetterTopic, matchDeadLetters } from '../dead-letter.js';
import {
  abortableDelay,
  backoffDelayMs,
  resolveBackoff,
  type Backoff,
  type BackoffOptions,
} from '../retry-backoff.js';
import { assertTopicName } from '../topic-specs.js';
import { silentTransportLogger, type TransportLogger } from '../transport-logger.js';
import { describeError } from '#errors';
import type {
  BatchHandler,
  ChunkReport,
  ConsumerBacklogReport,
  ConsumerStartOptions,
  IncomingMessage,
  MessageConsumer,
} from '#saga-core';
import type { GroupMembership, InMemoryBroker, StoredRecord } from './in-memory-broker.js';

/** Tuning of an in-memory consumer; every field has a default. */
export interface InMemoryConsumerOptions {
  /** Most messages per handler call (default 100). */
  readonly maxBatchSize?: number;
  /** Back-off between retries of a failed batch (defaults: 100 ms doubling up to 30 s). */
  readonly handlerRetry?: BackoffOptions;
  /** Waits `ms`, false when `signal` aborts first (default: a timer); fake it in unit tests. */
  readonly delay?: (ms: number, signal: AbortSignal) => Promise<boolean>;
  /** The clock of `failed-at` dead-letter headers (default: the system clock). */
  readonly now?: () => Date;
  readonly logger?: TransportLogger;
}

interface Batch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly StoredRecord[];
}

const GAVE_UP = Symbol('gave up');

/**
 * The in-memory adapter of MessageConsumer, with the Kafka adapter's semantics: batches of one
 * partition in log order, positions committed only after the handler and the dead letters
 * succeeded, the same batch retried with back-off after a failure, commits refused for a
 * partition the member lost in a rebalance, pause/resume, and a stop that finishes the batch
 * in hand. Delivery runs on promises; the only timer is the retry back-off.
 */
export class InMemoryMessageConsumer implements MessageConsumer {
  private readonly maxBatchSize: number;
  private readonly retry: Backoff;
  private readonly delay: (ms: number, signal: AbortSignal) => Promise<boolean>;
  private readonly now: () => Date;
  private readonly logger: TransportLogger;
  private readonly stopController = new AbortController();
  private groupId = '';
  private started = false;
  private paused = false;
  private parked = true;
  private wakeUp: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Next offset to read per `topic/partition`; a partition without one starts at the committed offset. */
  private readonly positions = new Map<string, number>();
  /** Where the round-robin over partitions resumes. */
  private turn = 0;
  private onBacklog: ((backlog: ConsumerBacklogReport) => void) | undefined;
  private onChunk: ((report: ChunkReport) => void) | undefined;
  private backlog: ConsumerBacklogReport = { messages: 0, partitions: 0 };
  private loop: Promise<void> | undefined;

  constructor(
    private readonly broker: InMemoryBroker,
    options: InMemoryConsumerOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 100;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new RangeError('maxBatchSize must be an integer ≥ 1');
    }
    this.retry = resolveBackoff(options.handlerRetry, 'handlerRetry');
    this.delay = options.delay ?? abortableDelay;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger ?? silentTransportLogger;
  }

  async start(options: ConsumerStartOptions): Promise<void> {
    if (this.started) throw new Error('a consumer can be started once');
    if (typeof options.groupId !== 'string' || options.groupId.trim() === '') {
      throw new TypeError('groupId must be a non-empty string');
    }
    if (options.topics.length === 0) throw new TypeError('topics must name at least one topic');
    options.topics.forEach(assertTopicName);
    this.started = true;
    this.groupId = options.groupId;
    this.parked = false;
    const membership = this.broker.join(options.groupId, [...new Set(options.topics)], () =>
      this.wake(),
    );
    // Started on the next microtask, so `loop` is set before any handler runs (and may call stop).
    this.onBacklog = options.onBacklog;
    this.onChunk = options.onChunk;
    this.loop = Promise.resolve().then(() => this.run(membership, options.handleBatch));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake();
    await this.loop;
  }

  /**
   * Resolves once the consumer has nothing it may deliver: it waits for messages, is paused,
   * or has stopped. Deterministic tests await it instead of sleeping.
   */
  idle(): Promise<void> {
    if (this.parked) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resumes a parked loop; a busy loop looks for work again by itself before parking. */
  private wake(): void {
    const wakeUp = this.wakeUp;
    if (!wakeUp) return;
    this.wakeUp = undefined;
    this.parked = false;
    wakeUp();
  }

  private async run(membership: GroupMembership, handleBatch: BatchHandler): Promise<void> {
    const stop = this.stopController.signal;
    try {
      while (!stop.aborted) {
        this.measureBacklog(membership);
        const batch = this.paused ? undefined : this.takeBatch(membership);
        if (!batch) {
          await this.park();
          continue;
        }
        await this.process(membership, handleBatch, batch);
      }
    } catch (error) {
      this.logger.log('error', 'The in-memory consumer stopped on an unexpected error', {
        component: 'in-memory-consumer',
        groupId: this.groupId,
        error: describeError(error),
      });
    } finally {
      membership.leave();
      this.parked = true;
      this.releaseIdleWaiters();
    }
  }

  /** Reports the records of the owned partitions past their positions, when that changed. */
  private measureBacklog(membership: GroupMembership): void {
    if (!this.onBacklog) return;
    const owned = membership.assigned();
    let messages = 0;
    for (const { topic, partition } of owned) {
      const from =
        this.positions.get(`${topic}/${partition}`) ?? membership.committed(topic, partition);
      messages += Math.max(0, this.broker.endOffset(topic, partition) - from);
    }
    if (messages === this.backlog.messages && owned.length === this.backlog.partitions) return;
    this.backlog = { messages, partitions: owned.length };
    this.onBacklog(this.backlog);
  }

  /** Waits for a wake-up (new records, a new assignment, resume, stop). */
  private park(): Promise<void> {
    this.parked = true;
    this.releaseIdleWaiters();
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  /** The next non-empty batch, taking the owned partitions in turn. */
  private takeBatch(membership: GroupMembership): Batch | undefined {
    const owned = membership.assigned();
    const ownedSlots = new Set(owned.map(({ topic, partition }) => `${topic}/${partition}`));
    for (const slot of this.positions.keys())
      if (!ownedSlots.has(slot)) this.positions.delete(slot);
    for (let i = 0; i < owned.length; i += 1) {
      const tp = owned[(this.turn + i) % owned.length];
      if (!tp) continue;
      const from =
        this.positions.get(`${tp.topic}/${tp.partition}`) ??
        membership.committed(tp.topic, tp.partition);
      const records = this.broker.read(tp.topic, tp.partition, from, this.maxBatchSize);
      if (records.length > 0) {
        this.turn = (this.turn + i + 1) % owned.length;
        return { ...tp, records };
      }
    }
    return undefined;
  }

  private async process(
    membership: GroupMembership,
    handleBatch: BatchHandler,
    batch: Batch,
  ): Promise<void> {
    const { topic, partition, records } = batch;
    // The broker's clock, which stamped the records (`now` is the dead letters' time).
    const handedAtMs = Date.now();
    const began = performance.now();
    const messages: IncomingMessage[] = records.map((record) => ({
      topic,
      key: record.key,
      headers: { ...record.headers },
      value: record.value,
    }));
    const choices = await this.untilDone('The batch handler', membership, batch, async () =>
      matchDeadLetters(messages, await handleBatch(messages)),
    );
    if (choices === GAVE_UP) return;
    if (choices.length > 0) {
      const failedAt = this.now();
      const deadLetters = choices.map(({ index, reason, value }) => {
        const record = records[index];
        if (!record) throw new RangeError(`no record #${index} in the batch`);
        const origin = {
          topic,
          partition,
          offset: String(record.offset),
          reason,
          failedAt,
          valueRedacted: value !== undefined,
        };
        return {
          key: record.key,
          value: value === undefined ? record.value : value,
          headers: { ...record.headers, ...deadLetterHeaders(origin) },
        };
      });
      const sent = await this.untilDone('Publishing dead letters', membership, batch, async () =>
        this.broker.append(deadLetterTopic(topic), deadLetters),
      );
      if (sent === GAVE_UP) return;
    }
    const last = records[records.length - 1];
    if (!last) return;
    const slot = `${topic}/${partition}`;
    const handledAt = performance.now();
    if (membership.commit(topic, partition, last.offset + 1)) {
      this.positions.set(slot, last.offset + 1);
      this.onChunk?.({
        topic,
        agesMs: records.map((record) => handedAtMs - record.appendedAtMs),
        handleMs: handledAt - began,
        commitMs: performance.now() - handledAt,
      });
    } else {
      this.positions.delete(slot); // lost in a rebalance: its new owner reads it again
    }
  }

  /** Runs `attempt` until it succeeds; gives up on stop or when the partition moved away. */
  private async untilDone<T>(
    what: string,
    membership: GroupMembership,
    batch: Batch,
    attempt: () => Promise<T>,
  ): Promise<T | typeof GAVE_UP> {
    const stop = this.stopController.signal;
    for (let failures = 1; ; failures += 1) {
      try {
        return await attempt();
      } catch (error) {
        const retryInMs = backoffDelayMs(this.retry, failures);
        this.logger.log('warn', `${what} failed; the same messages are retried`, {
          component: 'in-memory-consumer',
          groupId: this.groupId,
          topic: batch.topic,
          partition: batch.partition,
          failures,
          retryInMs,
          error: describeError(error),
        });
        if (!(await this.delay(retryInMs, stop))) return GAVE_UP;
        if (stop.aborted || !membership.owns(batch.topic, batch.partition)) return GAVE_UP;
      }
    }
  }
}
