import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import type { MessageTransport } from '#messaging';
import type { BatchHandler, MessageConsumer } from '#saga-core';
import { nextRun } from '../common/next-run.js';
import { RepeatingRound } from '../common/repeating-round.js';

/**
 * How often the dead-letter index looks at its topics again, in ms. A look asks the broker which
 * topics exist (one metadata request) only while the index is out of its group or leaves topics
 * out, so a deleted or hidden dead-letter topic is left out within this time of its consumer's
 * crash, and read again within this time of its return. Cheap enough to run for as long as a
 * topic stays missing; long enough not to restart a consumer that is still joining.
 */
export const DEAD_LETTER_INDEX_RECHECK_MS = 10_000;

/** What the dead-letter index reads and where it hands what it reads. */
export interface DeadLetterIndexOptions {
  readonly transport: MessageTransport;
  /** One group across instances, so each dead letter is indexed once. */
  readonly groupId: string;
  /** The dead-letter topics it should read, as the definitions say now (asked at each look). */
  readonly wantedTopics: () => string[];
  readonly handleBatch: BatchHandler;
  /** The ms between two looks (default DEAD_LETTER_INDEX_RECHECK_MS). */
  readonly recheckMs?: number;
}

/** Where the dead-letter index stands, for operators (logs, `saga_dead_letter_index_*`). */
export interface DeadLetterIndexStatus {
  /** True while its consumer is a member of its group; false while it joins, after a crash, or when it reads nothing. */
  readonly member: boolean;
  /** The dead-letter topics it reads (sorted). */
  readonly topics: readonly string[];
  /** The topics it should read but leaves out: missing, or not visible to the coordinator (no Describe right). */
  readonly leftOut: readonly string[];
}

/**
 * The consumer that records what lands in the dead-letter topics: best effort, so nothing waits
 * for it (readiness, the timers). It reads only the wanted topics that exist: a Kafka consumer
 * subscribed to a topic that is gone crashes, and its restarts would fail on it for ever. It
 * looks again every DEAD_LETTER_INDEX_RECHECK_MS while it is out of its group or leaves topics
 * out, and at `recheck` (definitions registered at runtime), and starts a new consumer when the
 * topics it can read have changed; otherwise its consumer's own supervisor restarts it after a
 * crash. Each change of state is logged once.
 */
export class DeadLetterIndexConsumer {
  // The runtime's log context, which the index's messages have always had.
  private readonly logger = new Logger('CoordinatorRuntime');
  private consumer: MessageConsumer | undefined;
  /** The wanted topics when the consumer was last started, and those of them it reads. */
  private subscribed: { wanted: string[]; topics: string[] } = { wanted: [], topics: [] };
  private leftOut: string[] = [];
  /** Looks since the consumer in hand was started: out of its group at the second, it is down. */
  private looksSinceStart = 0;
  /** The membership last logged: a change is logged once. */
  private reportedDown = false;
  /** A look that begins after the call, shared by the rechecks made while it waits. */
  private readonly nextLook = nextRun(() => this.look());
  private rounds: RepeatingRound | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: DeadLetterIndexOptions) {}

  /** Starts reading, and looking again periodically, in the background; returns at once. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.recheck();
    const every = this.options.recheckMs ?? DEAD_LETTER_INDEX_RECHECK_MS;
    // Each round waits for its look: while the broker does not answer (a look then takes as long
    // as the admin client's connection retries), rounds do not pile up looks.
    this.rounds = new RepeatingRound(every, () => this.recheck());
  }

  /**
   * Looks at the topics now, after any look under way: reads the wanted topics that exist (a new
   * consumer when they changed). Calls during a look share the one look after it, which begins
   * after each of them. Resolves when done; never rejects. Does nothing before `start` or after
   * `stop`.
   */
  recheck(): Promise<void> {
    return this.nextLook();
  }

  status(): DeadLetterIndexStatus {
    return { member: this.isMember(), topics: this.subscribed.topics, leftOut: this.leftOut };
  }

  /** Stops looking and the consumer (its batch in hand first). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    // A look under way creates no consumer after this; it is not waited for, nor the round
    // waiting for it (a broker that does not answer would hold the shutdown).
    void this.rounds?.stop();
    await this.consumer?.stop();
  }

  private isMember(): boolean {
    return this.consumer !== undefined && (this.consumer.isMember?.() ?? true);
  }

  private async look(): Promise<void> {
    if (!this.started || this.stopped) return;
    try {
      const wanted = this.options.wantedTopics();
      const settled =
        this.isMember() && sameTopics(wanted, this.subscribed.wanted) && this.leftOut.length === 0;
      if (!settled) {
        const missing = await this.options.transport.administrator.missingTopics(wanted);
        if (this.stopped) return;
        const readable = wanted.filter((topic) => !missing.includes(topic));
        this.noteLeftOut(missing);
        const unchanged =
          sameTopics(wanted, this.subscribed.wanted) &&
          sameTopics(readable, this.subscribed.topics) &&
          (this.consumer !== undefined || readable.length === 0);
        if (!unchanged) await this.subscribe(wanted, readable);
      }
      this.looksSinceStart += 1;
      this.noteMembership();
    } catch (error) {
      // The broker did not answer: the consumer in hand stays; the next look tries again.
      this.logger.debug(
        `the dead-letter index could not look at its topics: ${describeError(error)}`,
      );
    }
  }

  /** Replaces the consumer by one that reads `readable` (none when empty); does not wait for its join. */
  private async subscribe(wanted: string[], readable: string[]): Promise<void> {
    const previous = this.consumer;
    this.consumer = undefined;
    await previous?.stop();
    if (this.stopped) return;
    this.subscribed = { wanted, topics: readable };
    this.looksSinceStart = 0;
    if (readable.length === 0) return;
    const consumer = this.options.transport.createConsumer();
    this.consumer = consumer;
    consumer
      .start({
        groupId: this.options.groupId,
        topics: readable,
        handleBatch: this.options.handleBatch,
      })
      .catch((error: unknown) => {
        // A topic deleted since the look: the next look starts a consumer without it.
        this.logger.warn(`the dead-letter index could not start: ${describeError(error)}`);
        if (this.consumer === consumer) this.consumer = undefined;
        return consumer.stop();
      })
      .catch(() => undefined); // a consumer that never started has nothing to stop cleanly
  }

  private noteLeftOut(missing: string[]): void {
    if (sameTopics(missing, this.leftOut)) return;
    if (missing.length > 0) {
      this.logger.warn(
        `the dead-letter index leaves out ${missing.length} dead-letter topic(s) missing or not visible to the coordinator, until they are back: ${missing.join(', ')}`,
      );
    } else {
      this.logger.log('the dead-letter index reads every dead-letter topic again');
    }
    this.leftOut = missing;
  }

  /** Logs once when the index goes out of its group (or never joins), and once when it is back. */
  private noteMembership(): void {
    const member = this.isMember();
    const readsNothing = this.consumer === undefined;
    if (!member && !readsNothing && !this.reportedDown && this.looksSinceStart >= 2) {
      this.reportedDown = true;
      this.logger.warn(
        'the dead-letter index is out of its consumer group: dead letters wait on their topics, unindexed, until it rejoins (readiness does not wait for it)',
      );
    } else if (member && this.reportedDown) {
      this.reportedDown = false;
      this.logger.log('the dead-letter index is back in its consumer group');
    }
  }
}

/** The same topics, in any order. */
function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}
