import { DEAD_LETTER_HEADERS } from '#contracts';
import { performance } from 'node:perf_hooks';
import type { EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import { deadLetterTopic, matchDeadLetters, type DeadLetterChoice } from './dead-letter.js';
import { sendFittingDeadLetters } from './fitting-dead-letters.js';
import { toDeadLetterRecord } from './kafka-message-mapping.js';
import { triageChunk } from './chunk-triage.js';
import { backoffDelayMs, type Backoff } from './retry-backoff.js';
import { type TransportLogger } from './transport-logger.js';
import { describeError } from '#errors';
import { mergedCommits, type MergedCommits } from './merged-commits.js';
import type { BatchHandler, ChunkReport, IncomingMessage } from '#saga-core';
import type { ConsumerBacklog } from './consumer-backlog.js';
import { ArrivalRate } from './arrival-rate.js';
import type { WaitUnderLoad } from './kafka-transport-options.js';

/** What the kafkajs `eachBatch` handler needs; every clock and wait is injected. */
export interface BatchProcessorOptions {
  readonly groupId: string;
  readonly handleBatch: BatchHandler;
  /** Most messages per handler call; a fetched batch is cut into chunks of this size. */
  readonly maxBatchSize: number;
  /**
   * Dead-letters a message whose key, value or a header of the contract is not valid UTF-8
   * without handing it over, and hands the others over without their other headers that are
   * not (default false).
   */
  readonly requireUtf8?: boolean;
  /** Marks a message with bytes that are not UTF-8 `bytesReplaced` (TriageOptions.markReplacedBytes). */
  readonly markReplacedBytes?: boolean;
  /** The value to dead-letter for a message it refuses (ConsumerStartOptions.redactDeadLetter). */
  readonly redactDeadLetter?: (message: IncomingMessage) => string | undefined;
  /** Told how many messages of a topic it dead-lettered itself, once sent (ConsumerStartOptions.onRefused). */
  readonly onRefused?: (topic: string, count: number) => void;
  /** Back-off between retries of a failed handler call or dead-letter publish. */
  readonly retry: Backoff;
  /** Longest stretch without a heartbeat while waiting to retry, in ms. */
  readonly heartbeatIntervalMs: number;
  /** Publishes dead-letter records (acks = all). */
  sendDeadLetters(topic: string, records: readonly Message[]): Promise<void>;
  /** True while the consumer is paused: no new chunk starts. */
  isPaused(): boolean;
  /** Resolves once the consumer is resumed or stopped, or after `ms`, whichever comes first. */
  waitForResume(ms: number): Promise<void>;
  /** Called when a batch starts to wait for the consumer to be resumed. */
  readonly onHold?: () => void;
  /** Aborted by `stop()`: cuts a back-off wait short and gives up the batch waiting in it. */
  readonly stopSignal: AbortSignal;
  /** Waits `ms`; false when `signal` aborted first. */
  delay(ms: number, signal: AbortSignal): Promise<boolean>;
  /** The wall clock: the dead letters' failed-at time, and what the chunk reports' ages count to. */
  now(): Date;
  readonly logger: TransportLogger;
  /** Kept up to date with each fetch and each chunk handled. */
  readonly backlog?: ConsumerBacklog;
  /** Told how each chunk went, once committed (ConsumerStartOptions.onChunk). */
  readonly onChunk?: (report: ChunkReport) => void;
  /** Under load, how long to hold the next fetch after a batch (default: never). */
  readonly waitUnderLoad?: WaitUnderLoad;
  /** A monotonic clock in ms, for the rate, the wait and the chunk reports' durations (default: performance.now). */
  readonly monotonicNow?: () => number;
  /** The consumer's offset commits; its owner retries a failed one (default: a mergedCommits of its own). */
  readonly commits?: MergedCommits;
  /**
   * How many times the consumer has joined its group: a batch begun before the count moved is
   * stale (kafkajs rejoins from a fetcher that met a moved leader while another fetcher's batch
   * is still handled; the partition may be another member's since, and a commit of it would
   * carry the new generation, which Kafka accepts).
   */
  readonly joins?: () => number;
}

/** The offset that follows `offset` (what Kafka records as the group's position). */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

const GAVE_UP = Symbol('gave up');

/**
 * The longest a batch handler is heartbeated for (see heartbeatingWhile): the decisions' own
 * bounds (statement 30 s, query 35 s, lock and pool waits) end a slow one far sooner.
 */
export const HEARTBEATING_HANDLER_MS = 300_000;

/** The longest a batch is held while the consumer is paused before it is given up (see holdWhilePaused). */
export const HOLD_LIMIT_MS = 30_000;

/**
 * Builds the kafkajs `eachBatch` handler (to run with autoCommit and eachBatchAutoResolve off).
 * Per chunk: hand it to the handler (retried with back-off, never skipped), publish its dead
 * letters with those of the records it refuses itself (see triageChunk; onRefused is told of
 * them once sent), then resolve and commit its last offset, report it (onChunk) and heartbeat.
 * While the consumer is paused, no chunk starts: the batch waits in hand (see holdWhilePaused).
 * Nothing is committed for a chunk whose handler or dead letters have not succeeded, nor once
 * the partition is stale.
 * Errors from kafkajs itself (a heartbeat that reports a rebalance, a refused commit) propagate:
 * on a rebalance kafkajs rejoins the group and the uncommitted messages are fetched again by
 * their owner; on another failure (a timed-out commit) it fetches on from the handled position,
 * and the commit is owed until a later one carries it (see mergedCommits). Kafka's generation
 * check refuses a commit from a member that lost the partition (one that slips through, in the
 * same generation, only makes messages be delivered again); a batch begun before the consumer
 * joined again commits nothing (see `joins`).
 */
export function createEachBatchHandler(
  options: BatchProcessorOptions,
): (payload: EachBatchPayload) => Promise<void> {
  const { logger, groupId } = options;
  // One consumer's partitions share their commits (see mergedCommits).
  const commit = options.commits ?? mergedCommits();
  // Every partition's batches: the consumer's load.
  const arrivals = new ArrivalRate();
  const monotonicNow = options.monotonicNow ?? (() => performance.now());

  /** Waits in heartbeat-sized slices; false when the consumer stops meanwhile. */
  async function waitHeartbeating(payload: EachBatchPayload, ms: number): Promise<boolean> {
    let left = ms;
    do {
      if (!payload.isRunning() || options.stopSignal.aborted) return false;
      const slice = Math.min(left, options.heartbeatIntervalMs);
      if (!(await options.delay(slice, options.stopSignal))) return false;
      left -= slice;
      await payload.heartbeat();
    } while (left > 0);
    return payload.isRunning() && !options.stopSignal.aborted;
  }

  /**
   * Holds the batch in hand until the consumer is resumed, heartbeating: this fetcher fetches
   * nothing more meanwhile, and a resume hands the batch over at once. (kafkajs's own pause
   * would make it sleep its idle fetch wait between fetches, which would then also bound how
   * soon a resume is seen.) False when the consumer stops, or after HOLD_LIMIT_MS: the batch is
   * given up uncommitted and kafkajs fetches it again, so that its fetch loop turns (and sees a
   * lost broker) during a long pause.
   */
  async function holdWhilePaused(payload: EachBatchPayload): Promise<boolean> {
    options.onHold?.();
    const until = monotonicNow() + HOLD_LIMIT_MS;
    while (options.isPaused()) {
      if (!payload.isRunning() || options.stopSignal.aborted) return false;
      const leftMs = until - monotonicNow();
      if (leftMs <= 0) return false;
      await options.waitForResume(Math.min(leftMs, options.heartbeatIntervalMs));
      if (options.stopSignal.aborted) return false;
      if (options.isPaused()) await payload.heartbeat();
    }
    return payload.isRunning() && !options.stopSignal.aborted;
  }

  /**
   * Runs `work`, heartbeating every heartbeat interval while it runs: a handler slowed by its
   * database (a lock wait, a statement timeout) must not cost the member its partitions and the
   * group a rebalance, whose new owner would handle the same messages again. A heartbeat's
   * failure is left to the next one after the chunk, or to the commit, which report it. Past
   * HEARTBEATING_HANDLER_MS the handler is taken for hung: the heartbeats stop, so that the
   * session ends and another member takes its partitions.
   */
  async function heartbeatingWhile<T>(
    payload: EachBatchPayload,
    work: () => Promise<T>,
  ): Promise<T> {
    let beats = 0;
    const beating = setInterval(() => {
      beats += 1;
      if (beats * options.heartbeatIntervalMs <= HEARTBEATING_HANDLER_MS) {
        payload.heartbeat().catch(() => undefined);
        return;
      }
      clearInterval(beating);
      logger.log('warn', 'A batch handler has run too long: its partitions are left to others', {
        component: 'kafka-consumer',
        groupId,
        topic: payload.batch.topic,
        partition: payload.batch.partition,
        runningMs: beats * options.heartbeatIntervalMs,
      });
    }, options.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(beating);
    }
  }

  /** Runs `attempt` until it succeeds, or gives up when the consumer stops. */
  async function untilDone<T>(
    what: string,
    payload: EachBatchPayload,
    attempt: () => Promise<T>,
  ): Promise<T | typeof GAVE_UP> {
    for (let failures = 1; ; failures += 1) {
      try {
        return await attempt();
      } catch (error) {
        const retryInMs = backoffDelayMs(options.retry, failures);
        logger.log('warn', `${what} failed; the same messages are retried`, {
          component: 'kafka-consumer',
          groupId,
          topic: payload.batch.topic,
          partition: payload.batch.partition,
          failures,
          retryInMs,
          error: describeError(error),
        });
        if (!(await waitHeartbeating(payload, retryInMs))) return GAVE_UP;
      }
    }
  }

  /** Handles one chunk; true once its offsets are committed, false when it was given up. */
  async function processChunk(
    payload: EachBatchPayload,
    chunk: readonly KafkaMessage[],
  ): Promise<boolean> {
    const { topic, partition } = payload.batch;
    const handedAtMs = options.onChunk ? options.now().getTime() : 0;
    const began = monotonicNow();
    const { refused, handed, incoming } = triageChunk(topic, chunk, options);
    const handled = await untilDone('The batch handler', payload, async () =>
      incoming.length === 0
        ? []
        : matchDeadLetters(
            incoming,
            await heartbeatingWhile(payload, () => options.handleBatch(incoming)),
          ),
    );
    if (handled === GAVE_UP) return false;
    const choices = [
      ...refused,
      ...handled.map((choice) => ({ ...choice, index: handed[choice.index]! })),
    ].sort((a, b) => a.index - b.index);
    if (choices.length > 0) {
      const records = deadLetterRecords(topic, partition, chunk, choices, options.now());
      const sent = await untilDone('Publishing dead letters', payload, () =>
        sendFittingDeadLetters(options.sendDeadLetters, deadLetterTopic(topic), records, (record) =>
          logger.log('warn', 'A dead letter too large for its topic went without its value', {
            component: 'kafka-consumer',
            groupId,
            topic,
            partition,
            offset: String(record.headers?.[DEAD_LETTER_HEADERS.originalOffset] ?? ''),
          }),
        ),
      );
      if (sent === GAVE_UP) return false;
      if (refused.length > 0) options.onRefused?.(topic, refused.length);
    }
    if (payload.isStale()) return false;
    const last = chunk[chunk.length - 1];
    if (!last) return true;
    payload.resolveOffset(last.offset);
    const next = nextOffset(last.offset);
    // Resolved is handled: kafkajs fetches on from there even if this commit fails.
    options.backlog?.finished(topic, partition, Number(next));
    const handledAt = monotonicNow();
    await commit(payload, topic, partition, next);
    if (options.onChunk && handed.length > 0) {
      options.onChunk({
        topic,
        agesMs: recordAges(
          handedAtMs,
          handed.map((index) => chunk[index]!),
        ),
        handleMs: handledAt - began,
        commitMs: monotonicNow() - handledAt,
      });
    }
    return true;
  }

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    const { messages, topic, partition, highWatermark } = payload.batch;
    const first = messages[0];
    if (first)
      options.backlog?.fetched(topic, partition, Number(highWatermark), Number(first.offset));
    for (let start = 0; start < messages.length; start += options.maxBatchSize) {
      if (options.isPaused() && !(await holdWhilePaused(payload))) return;
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = messages.slice(start, start + options.maxBatchSize);
      if (!(await processChunk(payload, chunk))) return;
      await payload.heartbeat();
    }
  }

  /**
   * Holds kafkajs's next fetch (it fetches once every batch of the last one is handled) while
   * the load calls for it: until `minBytes` could have come at the current rate since the batch
   * came in, at most `maxWaitMs`. Not while paused or after the partition was given up.
   */
  async function waitToFill(payload: EachBatchPayload, cameInAtMs: number): Promise<void> {
    const wait = options.waitUnderLoad;
    if (wait === undefined) return;
    const nowMs = monotonicNow();
    const rate = arrivals.perSecond(nowMs);
    if (rate.records < wait.fromRecordsPerSecond) return;
    const fillMs = rate.bytes > 0 ? (wait.minBytes * 1_000) / rate.bytes : wait.maxWaitMs;
    const elapsedMs = Math.max(0, nowMs - cameInAtMs);
    const leftMs = Math.ceil(Math.min(wait.maxWaitMs, fillMs) - elapsedMs);
    if (leftMs <= 0 || options.isPaused() || !payload.isRunning() || payload.isStale()) return;
    await waitHeartbeating(payload, leftMs);
  }

  return async (fetched) => {
    const joinedAs = options.joins?.();
    const payload: EachBatchPayload =
      joinedAs === undefined
        ? fetched
        : { ...fetched, isStale: () => fetched.isStale() || options.joins!() !== joinedAs };
    try {
      const cameInAtMs = monotonicNow();
      if (options.waitUnderLoad !== undefined) {
        const { messages } = payload.batch;
        arrivals.add(cameInAtMs, messages.length, recordBytes(messages));
      }
      await processBatch(payload);
      await waitToFill(payload, cameInAtMs);
    } catch (error) {
      // Only kafkajs's own calls (commit, heartbeat) get here, and an onChunk or onRefused that
      // broke its contract; kafkajs rejoins or retries the fetch.
      logger.log(isRebalance(error) ? 'info' : 'warn', 'Batch interrupted; kafkajs takes over', {
        component: 'kafka-consumer',
        groupId,
        topic: payload.batch.topic,
        partition: payload.batch.partition,
        error: describeError(error),
      });
      throw error;
    }
  };
}

/** The kafkajs errors that mean "the group changed: rejoin" (kafkajs's own `isRebalancing`). */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

function isRebalance(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && REBALANCE_ERRORS.has(type);
}

/** Per message with a timestamp (a record older than Kafka 0.10's format has none), its age at `atMs`. */
function recordAges(atMs: number, messages: readonly KafkaMessage[]): number[] {
  const ages: number[] = [];
  for (const { timestamp } of messages) {
    const sentAt = Number(timestamp); // NaN when there is none
    if (Number.isFinite(sentAt)) ages.push(atMs - sentAt);
  }
  return ages;
}

/** A key, value or header value as kafkajs decodes it: null when written without one. */
type RecordPart = Buffer | string | null | undefined;

/** About what the broker counts of `messages`: keys, values and headers. */
function recordBytes(messages: readonly KafkaMessage[]): number {
  const size = (part: RecordPart): number => part?.length ?? 0;
  let bytes = 0;
  for (const { key, value, headers } of messages) {
    bytes += size(key) + size(value);
    for (const name in headers) {
      const header = headers[name] as RecordPart | RecordPart[];
      bytes += name.length;
      if (Array.isArray(header)) for (const part of header) bytes += size(part);
      else bytes += size(header);
    }
  }
  return bytes;
}

function deadLetterRecords(
  topic: string,
  partition: number,
  chunk: readonly KafkaMessage[],
  choices: readonly DeadLetterChoice[],
  failedAt: Date,
): Message[] {
  return choices.map(({ index, reason, value }) => {
    const original = chunk[index];
    if (!original) throw new RangeError(`no message #${index} in the chunk`);
    const message =
      value === undefined
        ? original
        : { ...original, value: value === null ? null : Buffer.from(value, 'utf8') };
    return toDeadLetterRecord(message, {
      topic,
      partition,
      offset: original.offset,
      reason,
      failedAt,
      valueRedacted: value !== undefined,
    });
  });
}
