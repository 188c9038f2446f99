import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import type { MessageTransport } from '#messaging';
import type { AccessRefusal, BatchHandler, Clock, MessageConsumer } from '#saga-core';
import { nextRun } from '../common/next-run.js';
import { RepeatingRound } from '../common/repeating-round.js';
import {
  searchedTopics,
  searchRefusals,
  trialPassed,
  trialRefused,
  type RefusalSearch,
} from '../dead-letters/dead-letter-topics.js';

/**
 * How often the dead-letter index looks at its topics again, in ms. A look asks the broker which
 * topics exist (one metadata request) only while the index is out of its group or leaves topics
 * out, so a deleted or hidden dead-letter topic is left out within this time of its consumer's
 * crash, and read again within this time of its return. Cheap enough to run for as long as a
 * topic stays missing; long enough not to restart a consumer that is still joining.
 */
export const DEAD_LETTER_INDEX_RECHECK_MS = 10_000;

/**
 * How long the index leaves out a dead-letter topic, or reads nothing, after the broker refused
 * it that topic or its group (access rules), before it tries again, in ms; a change of the
 * wanted topics tries at once. Each try costs a rebalance or two, and rights change seldom.
 */
export const DEAD_LETTER_REFUSAL_RETRY_MS = 600_000;

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
  /** What DEAD_LETTER_REFUSAL_RETRY_MS is counted on (default: the system clock). */
  readonly clock?: Clock;
}

/** Where the dead-letter index stands, for operators (logs, `saga_dead_letter_index_*`). */
export interface DeadLetterIndexStatus {
  /** True while its consumer is a member of its group; false while it joins, after a crash, or when it reads nothing. */
  readonly member: boolean;
  /** The dead-letter topics it reads (sorted). */
  readonly topics: readonly string[];
  /**
   * The topics it should read but leaves out: missing, not visible to the coordinator (no
   * Describe right), or refused to it (no Read right; every one while its group is refused).
   */
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
 *
 * A topic the broker refuses it to read fails every fetch of the consumer, which names no topic:
 * the index then reads halves of its topics over the next looks (a RefusalSearch, only among
 * those not yet read without refusal) and leaves out each refused one, with a warning, until
 * DEAD_LETTER_REFUSAL_RETRY_MS has passed or the wanted topics change. A refused group leaves it
 * with no consumer for as long.
 */
export class DeadLetterIndexConsumer {
  // The runtime's log context, which the index's messages have always had.
  private readonly logger = new Logger('CoordinatorRuntime');
  private consumer: MessageConsumer | undefined;
  /** The wanted topics when the consumer was last started, and those of them it reads. */
  private subscribed: { wanted: string[]; topics: string[] } = { wanted: [], topics: [] };
  private missing: string[] = [];
  /** The wanted topics and those of them that existed when the search was last planned. */
  private planned: { wanted: string[]; existing: string[] } = { wanted: [], existing: [] };
  /** Topics a member read through two looks without refusal: a search tests only the others. */
  private readonly proven = new Set<string>();
  /** Topics the broker refused it, with the error type: left out until a try reads them. */
  private readonly refused = new Map<string, string>();
  private retryRefusedAt = 0;
  /** Under way while some of the topics read are on trial. */
  private search: RefusalSearch | undefined;
  /** Looks in a row at which the consumer in hand was a member: at the second, its trial passes. */
  private memberLooks = 0;
  /** The refusal its consumer told last, until a look takes it. */
  private told: { consumer: MessageConsumer; refusal: AccessRefusal } | undefined;
  /** While set, its group is refused: no consumer until `retryAt` or a change of the wanted topics. */
  private groupRefused: { wanted: string[]; retryAt: number } | undefined;
  private groupWarned = false;
  /** Looks since the consumer in hand was started: out of its group at the second, it is down. */
  private looksSinceStart = 0;
  /** The membership last logged: a change is logged once. */
  private reportedDown = false;
  /** A look that begins after the call, shared by the rechecks made while it waits. */
  private readonly nextLook = nextRun(() => this.look());
  private rounds: RepeatingRound | undefined;
  private started = false;
  private stopped = false;

  private readonly clock: Clock;

  constructor(private readonly options: DeadLetterIndexOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
  }

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
    const leftOut = this.groupRefused
      ? this.subscribed.wanted
      : [...new Set([...this.missing, ...this.refused.keys()])].sort();
    return { member: this.isMember(), topics: this.subscribed.topics, leftOut };
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
      const told = this.takeRefusal();
      if (told?.scope === 'group') this.refuseGroup(told.errorType, wanted);
      if (this.groupRefused !== undefined && !this.triesGroupAgain(wanted)) {
        if (this.consumer !== undefined || this.subscribed.topics.length > 0) {
          await this.subscribe(wanted, []);
        }
        return;
      }
      // A member reads every topic it was given: only a crash or a change needs the broker.
      const settled =
        told === undefined &&
        this.isMember() &&
        sameTopics(wanted, this.subscribed.wanted) &&
        this.missing.length === 0 &&
        !this.retryDue();
      const missing = settled
        ? []
        : await this.options.transport.administrator.missingTopics(wanted);
      if (this.stopped) return;
      this.noteMissing(missing);
      if (told?.scope === 'topic') this.refuseTrial(told.errorType);
      else this.judgeTrial();
      this.plan(wanted, missing);
      const readable = this.search
        ? searchedTopics(this.search)
        : this.planned.existing.filter((topic) => !this.refused.has(topic));
      const unchanged =
        sameTopics(wanted, this.subscribed.wanted) &&
        sameTopics(readable, this.subscribed.topics) &&
        (this.consumer !== undefined || readable.length === 0);
      if (!unchanged) await this.subscribe(wanted, readable);
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
    this.memberLooks = 0;
    if (readable.length === 0) return;
    // A dead letter whose bytes were not UTF-8 is marked so: it is not replayable as stored.
    const consumer = this.options.transport.createConsumer({ markReplacedBytes: true });
    this.consumer = consumer;
    consumer
      .start({
        groupId: this.options.groupId,
        topics: readable,
        handleBatch: this.options.handleBatch,
        onAccessRefused: (refusal) => {
          this.told = { consumer, refusal };
          void this.recheck();
        },
      })
      .catch((error: unknown) => {
        // A topic deleted since the look: the next look starts a consumer without it.
        this.logger.warn(`the dead-letter index could not start: ${describeError(error)}`);
        if (this.consumer === consumer) this.consumer = undefined;
        return consumer.stop();
      })
      .catch(() => undefined); // a consumer that never started has nothing to stop cleanly
  }

  /** The refusal told by the consumer in hand since the last look, if any. */
  private takeRefusal(): AccessRefusal | undefined {
    const told = this.told;
    this.told = undefined;
    return told?.consumer === this.consumer ? told?.refusal : undefined;
  }

  private refuseGroup(errorType: string, wanted: string[]): void {
    const retryAt = this.clock.now() + DEAD_LETTER_REFUSAL_RETRY_MS;
    this.groupRefused = { wanted, retryAt };
    if (this.groupWarned) return;
    this.groupWarned = true;
    this.logger.warn(
      `the dead-letter index reads nothing: the broker refuses the coordinator its consumer group ${this.options.groupId} (${errorType}); it tries again in ${minutes(DEAD_LETTER_REFUSAL_RETRY_MS)} min, or when the dead-letter topics change`,
    );
  }

  /** Ends a group refusal once its pause is over or the wanted topics changed. */
  private triesGroupAgain(wanted: string[]): boolean {
    const { retryAt, wanted: refusedFor } = this.groupRefused!;
    if (this.clock.now() < retryAt && sameTopics(wanted, refusedFor)) return false;
    this.groupRefused = undefined;
    return true;
  }

  private retryDue(): boolean {
    return (
      this.refused.size > 0 && this.search === undefined && this.clock.now() >= this.retryRefusedAt
    );
  }

  /** Splits the refused trial, or the topics read when none was under way; notes a topic found. */
  private refuseTrial(errorType: string): void {
    let search = this.search;
    if (search === undefined) {
      // Every topic it read was proven, and one of them is refused now.
      this.subscribed.topics.forEach((topic) => this.proven.delete(topic));
      search = searchRefusals([], this.subscribed.topics);
    }
    const { search: next, found } = trialRefused(search);
    this.search = next.trial.length > 0 ? next : undefined;
    if (found === undefined) return;
    this.retryRefusedAt = this.clock.now() + DEAD_LETTER_REFUSAL_RETRY_MS;
    if (!this.refused.has(found)) {
      this.logger.warn(
        `the dead-letter index leaves out dead-letter topic ${found}: the broker refuses the coordinator to read it (${errorType}); it tries again in ${minutes(DEAD_LETTER_REFUSAL_RETRY_MS)} min, or when the dead-letter topics change`,
      );
    }
    this.refused.set(found, errorType);
  }

  /** Passes the trial once the consumer has been a member at two looks in a row, unrefused. */
  private judgeTrial(): void {
    this.memberLooks = this.isMember() ? this.memberLooks + 1 : 0;
    if (this.memberLooks > 0 && this.groupWarned) {
      this.groupWarned = false;
      this.logger.log('the dead-letter index may use its consumer group again');
    }
    if (this.search === undefined || this.memberLooks < 2) return;
    for (const topic of this.search.trial) {
      this.proven.add(topic);
      if (this.refused.delete(topic)) {
        this.logger.log(`the dead-letter index reads dead-letter topic ${topic} again`);
      }
    }
    const next = trialPassed(this.search);
    this.search = next.trial.length > 0 ? next : undefined;
  }

  /**
   * Tests again the topics not proven (the refused ones among them) when the wanted or existing
   * topics changed, or when the pause after a refusal is over.
   */
  private plan(wanted: string[], missing: string[]): void {
    const existing = wanted.filter((topic) => !missing.includes(topic));
    const changed =
      !sameTopics(wanted, this.planned.wanted) || !sameTopics(existing, this.planned.existing);
    if (!changed && !this.retryDue()) return;
    if (!changed) this.logger.debug('the dead-letter index tries again the topics refused to it');
    this.planned = { wanted, existing };
    this.retryRefusedAt = this.clock.now() + DEAD_LETTER_REFUSAL_RETRY_MS;
    [...this.proven].filter((t) => !existing.includes(t)).forEach((t) => this.proven.delete(t));
    [...this.refused.keys()]
      .filter((t) => !wanted.includes(t))
      .forEach((t) => this.refused.delete(t));
    const untested = existing.filter((topic) => !this.proven.has(topic));
    const cleared = existing.filter((topic) => this.proven.has(topic));
    this.search = untested.length > 0 ? searchRefusals(cleared, untested) : undefined;
  }

  private noteMissing(missing: string[]): void {
    if (sameTopics(missing, this.missing)) return;
    if (missing.length > 0) {
      this.logger.warn(
        `the dead-letter index leaves out ${missing.length} dead-letter topic(s) missing or not visible to the coordinator, until they are back: ${missing.join(', ')}`,
      );
    } else {
      const but = this.refused.size > 0 ? ', but those refused to it' : '';
      this.logger.log(`the dead-letter index reads every dead-letter topic again${but}`);
    }
    this.missing = missing;
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

function minutes(ms: number): number {
  return Math.round(ms / 60_000);
}

/** The same topics, in any order. */
function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}
