import { z } from 'zod';
import { boundedInt, flag } from './env-fields.js';

/**
 * The sizes and waits of the hot path. The defaults are what `npm run bench` measured best on
 * 2 cores with the product's participant caps (the bench itself raises its participant's cap
 * and START_CHUNK); change them only with the bench's figures in hand (docs/BENCHMARKS.md).
 */
export interface HotPathTuning {
  /**
   * Decision transactions under way at once per consumer: while they wait for their commit, the
   * batches of the other partitions gather for the next one (`DECISIONS_IN_FLIGHT`, default 2).
   */
  readonly decisionsInFlight: number;
  /**
   * Under load only, the start and reply consumers wait up to `fetchMaxWaitMs` for
   * `fetchMinBytes` between fetches: fewer and fuller batches. Under load is while each receives
   * at least `fetchWaitFromRate` records per second; below it, a record is fetched as soon as it
   * is on the topic (`CONSUMER_FETCH_MIN_BYTES`, default 16 384; `CONSUMER_FETCH_MAX_WAIT_MS`,
   * default 10; `CONSUMER_FETCH_WAIT_FROM_RATE`, default 400; 0: always wait).
   */
  readonly fetchMinBytes: number;
  readonly fetchMaxWaitMs: number;
  readonly fetchWaitFromRate: number;
  /**
   * How long an idle fetch of the start and reply consumers waits at the broker (it answers at
   * the first record): each instance polls that much less while idle (`FETCH_IDLE_WAIT_MS`,
   * formerly `REPLY_FETCH_IDLE_WAIT_MS`, default 100). A paused start consumer holds what it
   * has fetched and sees a resume at once, whatever this wait.
   */
  readonly fetchIdleWaitMs: number;
  /** Replies handed in at once per partition (`REPLY_BATCH_SIZE`, default 500). */
  readonly replyBatchSize: number;
  /**
   * Starts handed in at once, over every partition: once the cap on sagas in flight pauses the
   * consumer, what is already handed in still starts, so this bounds how far an instance passes
   * the cap (`START_CHUNK`, default 100). Larger chunks let a saturated instance start more
   * sagas per decision, but fill the caps of the participants its sagas' first steps go to
   * faster: raise it only with those caps (docs/CONFIGURATION.md, "Sizing a participant's cap").
   */
  readonly startChunk: number;
  /**
   * The most sagas whose latest state an instance keeps in memory between decisions, so a reply
   * to one of them is decided in one statement, without reading or locking its row
   * (`SAGA_STATE_CACHE_SIZE`, default 10 000; 0: none).
   */
  readonly stateCacheSize: number;
  /**
   * Whether outbox rows leave out the headers their payload gives (`OUTBOX_COMPACT_HEADERS`,
   * default true): a third less written per row. Instances of a release before it would relay
   * such rows without them, so roll from one with it false (docs/DEPLOYMENT.md).
   */
  readonly compactOutboxHeaders: boolean;
  /** Outbox rows the relay publishes per batch (`RELAY_BATCH_SIZE`, default 500). */
  readonly relayBatchSize: number;
  /** Sagas whose due timers fire per transaction (`TIMER_BATCH_SIZE`, default 200). */
  readonly timerBatchSize: number;
  /**
   * Sagas a bulk operation acts on per transaction (`BULK_CHUNK_SIZE`, default 100): the most
   * one of its decisions locks, so the hot path's decisions interleave with it.
   */
  readonly bulkChunkSize: number;
  /**
   * The most sagas a bulk operation acts on per second per instance (`BULK_MAX_RATE`, default
   * 500; 0: as fast as its chunks commit).
   */
  readonly bulkMaxRate: number;
}

const idleWait = z.coerce.number().int().min(0).max(5_000);

/** The tuning part of the environment (names in docs/CONFIGURATION.md). */
export const tuningEnvironmentSchema = z.object({
  DECISIONS_IN_FLIGHT: boundedInt(1, 64, 2),
  CONSUMER_FETCH_MIN_BYTES: boundedInt(1, 10_485_760, 16_384),
  CONSUMER_FETCH_MAX_WAIT_MS: boundedInt(0, 5_000, 10),
  CONSUMER_FETCH_WAIT_FROM_RATE: boundedInt(0, 1_000_000, 400),
  FETCH_IDLE_WAIT_MS: idleWait.optional(),
  /** FETCH_IDLE_WAIT_MS's name when it applied to the reply consumer only; read when that is unset. */
  REPLY_FETCH_IDLE_WAIT_MS: idleWait.optional(),
  REPLY_BATCH_SIZE: boundedInt(1, 10_000, 500),
  START_CHUNK: boundedInt(1, 10_000, 100),
  SAGA_STATE_CACHE_SIZE: boundedInt(0, 1_000_000, 10_000),
  OUTBOX_COMPACT_HEADERS: flag(true),
  RELAY_BATCH_SIZE: boundedInt(1, 10_000, 500),
  TIMER_BATCH_SIZE: boundedInt(1, 10_000, 200),
  BULK_CHUNK_SIZE: boundedInt(1, 1_000, 100),
  BULK_MAX_RATE: boundedInt(0, 100_000, 500),
});

/** Builds the hot path's tuning from the parsed environment. */
export function hotPathTuning(env: z.infer<typeof tuningEnvironmentSchema>): HotPathTuning {
  return {
    decisionsInFlight: env.DECISIONS_IN_FLIGHT,
    fetchMinBytes: env.CONSUMER_FETCH_MIN_BYTES,
    fetchMaxWaitMs: env.CONSUMER_FETCH_MAX_WAIT_MS,
    fetchWaitFromRate: env.CONSUMER_FETCH_WAIT_FROM_RATE,
    fetchIdleWaitMs: env.FETCH_IDLE_WAIT_MS ?? env.REPLY_FETCH_IDLE_WAIT_MS ?? 100,
    replyBatchSize: env.REPLY_BATCH_SIZE,
    startChunk: env.START_CHUNK,
    stateCacheSize: env.SAGA_STATE_CACHE_SIZE,
    compactOutboxHeaders: env.OUTBOX_COMPACT_HEADERS,
    relayBatchSize: env.RELAY_BATCH_SIZE,
    timerBatchSize: env.TIMER_BATCH_SIZE,
    bulkChunkSize: env.BULK_CHUNK_SIZE,
    bulkMaxRate: env.BULK_MAX_RATE,
  };
}
