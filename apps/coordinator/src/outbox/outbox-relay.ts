import { Logger } from '@nestjs/common';
import type { Database, SqlRunner } from '#postgres';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { publishTraced } from '#tracing';
import type { OpenPayload } from './outbox-fast-path.js';
import { neverSendableCode, refusesTopic } from '#messaging';
import { failuresLasted } from './send-failure.js';
import { IDLE_LIMIT_MS, keepingAlive } from './transaction-keep-alive.js';
import { InterruptibleSleep } from '../common/interruptible-sleep.js';
import { describeError } from '#errors';
import { rowHeaders } from '../persistence/outbox-headers.js';
import {
  LANE_LOCK_NAMESPACE,
  releaseUnheldSetAside,
  type StoredOutboxRow,
  type UndeliverableRow,
} from './set-aside-rows.js';
import { deadLetterSpentSetAside } from './set-aside-dead-letters.js';

/** Options of the {@link OutboxRelay}; times in ms. */
export interface OutboxRelayOptions {
  /** Lanes of the outbox (same as the effect plan's). */
  readonly lanes: number;
  /** Rows published per batch (default 500). */
  readonly batchSize?: number;
  /** Pause between two polls (default 500). */
  readonly pollIntervalMs?: number;
  /**
   * Rows younger than this are left to the fast path of the instance that wrote them (see
   * OutboxFastPath), default 0: every unsent row is taken.
   */
  readonly graceMs?: number;
  /** Turns a stored payload into the one to publish (opens sealed commands); default: as is. */
  readonly openPayload?: OpenPayload;
  /**
   * How long a row must keep failing with a never-sendable broker error (unknown, invalid or
   * forbidden topic, message too large) before it is set aside (default 60 000), counted on the
   * database's clock from the first failure any instance saw (see failuresLasted). A payload
   * that cannot be opened is set aside at once.
   */
  readonly setAsideAfterMs?: number;
  /**
   * Sets rows aside and marks their sagas stuck (SagaDecisions.setAside), in its own
   * transaction; default: the rows are only logged, and stay where they are.
   */
  readonly setAside?: (rows: readonly UndeliverableRow[]) => Promise<void>;
  /**
   * How long a row set aside waits before it is tried again when no resume can release it (a
   * row of no saga, or of a saga that had ended: see releaseUnheldSetAside); default: never.
   */
  readonly retryUnheldAfterMs?: number;
  /**
   * How many times such a row is tried again before it is moved to the dead letters instead
   * (see deadLetterSpentSetAside); default 6, an hour at OUTBOX_SET_ASIDE_RETRY_MS's default.
   */
  readonly retryUnheldTimes?: number;
  /**
   * How long a batch may go on sending row by row (to find the rows that can never be sent:
   * each may take kafkajs its retries, seconds) before the lane's turn ends; the rows not tried
   * go in the next pass (default 20 000). stop() ends the turn too.
   */
  readonly rowByRowBudgetMs?: number;
  /** The clock the budget is measured on (ms); default Date.now. */
  readonly clock?: () => number;
}

/**
 * The lanes holding unsent rows past the grace period ($1, in seconds), in order. It walks the
 * unsent rows' index lane by lane (each lane found by one probe past the last) and asks each lane
 * for one row old enough and not set aside (a scalar subquery with LIMIT 1, so the planner cannot
 * turn it into a join over the whole index). A `SELECT DISTINCT lane` read every unsent row at
 * each poll: about 4 ms a call at 500 sagas/s (pg_stat_statements), and 31 ms on both cores once
 * 200,000 rows were left unsent, where this takes 0.4 ms. Lanes come from the rows, not from
 * OUTBOX_LANES, so rows written under another lane count are found.
 */
export const LANES_WITH_WORK = `
  WITH RECURSIVE lanes(lane) AS (
    (SELECT lane FROM outbox WHERE sent_at IS NULL ORDER BY lane LIMIT 1)
    UNION ALL
    SELECT (SELECT o.lane FROM outbox o WHERE o.sent_at IS NULL AND o.lane > lanes.lane
            ORDER BY o.lane LIMIT 1)
    FROM lanes WHERE lanes.lane IS NOT NULL)
  SELECT lane FROM lanes
  WHERE lane IS NOT NULL AND (
    SELECT true FROM outbox o
    WHERE o.lane = lanes.lane AND o.sent_at IS NULL AND o.set_aside_at IS NULL
      AND o.created_at <= now() - make_interval(secs => $1)
    LIMIT 1)
  ORDER BY lane`;

/**
 * What one batch did: rows published, rows to set aside, rows that wait (their failure has not
 * lasted yet), whether its turn ended with rows not tried (out of time, or stopping), and a
 * transient failure if one stopped it.
 */
interface BatchResult {
  readonly sent: number;
  readonly claimed: number;
  readonly undeliverable: UndeliverableRow[];
  readonly waiting: readonly (string | null)[];
  readonly outOfTime?: boolean;
  readonly failure?: unknown;
}

/** What publishing a batch's rows did (see OutboxRelay.publishRows). */
interface PublishOutcome {
  readonly sentIds: string[];
  readonly undeliverable: UndeliverableRow[];
  readonly waiting: (string | null)[];
  readonly outOfTime: boolean;
  readonly failure?: unknown;
}

/**
 * Sagas whose rows wait in this pass over a lane (null: a row of no saga), left out of its later
 * claims: they would be claimed again at once, ahead of the other sagas' rows.
 */
type WaitingSagas = Set<string | null>;

/**
 * The backup of the outbox fast path: publishes committed outbox rows that are still unsent
 * after the grace period (their instance crashed, or Kafka refused them), then marks them sent.
 * Each lane is drained by one instance at a time (a transaction-scoped advisory lock), rows in
 * id order, so a saga's messages keep their order while several instances share the lanes
 * (and when a saga's rows lie in two lanes: see claimLane). A crash between publishing and
 * marking republishes the batch: delivery is at least once, and receivers dedupe by message
 * id. A row that can never be sent is found by sending the batch row by row; it is set aside
 * (its saga stuck), the later rows of its saga wait behind it, and the other sagas of the lane
 * go on. Old rows are pruned by the retention job. stop() ends the pass at the batch in hand:
 * no other batch or lane is claimed, so that an instance stops in time while the broker is
 * unreachable and each batch waits out kafkajs's retries.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly setAsideAfterMs: number;
  private running = false;
  /**
   * Set by stop(): the pass in hand claims nothing more (not `running`, which is false as well
   * when drainOnce is called without start()).
   */
  private stopping = false;
  private readonly pause = new InterruptibleSleep();
  private loop: Promise<void> | undefined;
  /** When the loop next looks for rows set aside that no resume can release (ms). */
  private nextUnheldRelease = 0;

  constructor(
    private readonly database: Database,
    private readonly publisher: MessagePublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.setAsideAfterMs = options.setAsideAfterMs ?? 60_000;
  }

  /** Starts relaying in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.run();
  }

  /**
   * Stops after the batch in hand is published and marked (or failed): no other batch, lane or
   * row one by one is tried.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.pause.wake();
    await this.loop;
  }

  /**
   * Publishes everything unsent that this instance can claim now and sets aside what can never
   * be sent; resolves with the count of rows published. A transient failure in one lane does
   * not stop the others; the first one is rethrown at the end (the loop then backs off). Once
   * stop() was called, it claims nothing more.
   */
  async drainOnce(): Promise<number> {
    let total = 0;
    let failure: { error: unknown } | undefined;
    for (const lane of await this.lanesWithWork()) {
      if (this.stopping) break;
      const waiting: WaitingSagas = new Set();
      try {
        for (;;) {
          const batch = await this.relayBatch(lane, waiting);
          total += batch.sent;
          if (batch.undeliverable.length > 0) await this.setAside(batch.undeliverable);
          if (batch.failure !== undefined) throw batch.failure;
          // The sagas whose rows wait are claimed past from now on, so that the lane's other
          // sagas go; a batch with nothing sent, set aside or newly waiting ends its turn.
          const before = waiting.size;
          for (const sagaId of batch.waiting) waiting.add(sagaId);
          const setAside = this.options.setAside === undefined ? 0 : batch.undeliverable.length;
          const progress = batch.sent + setAside > 0 || waiting.size > before;
          if (batch.claimed < this.batchSize || !progress || batch.outOfTime) break;
          if (this.stopping) break; // the next batch waits for another instance, or the next start
        }
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return total;
  }

  /** The lanes holding rows past the grace period (see LANES_WITH_WORK). */
  private async lanesWithWork(): Promise<number[]> {
    const rows = await this.database.query<{ lane: number }>(LANES_WITH_WORK, [
      (this.options.graceMs ?? 0) / 1000,
    ]);
    return rows.map((row) => row.lane);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.releaseUnheld();
        await this.drainOnce();
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn(
          `outbox relay failed (${failures} in a row), retrying: ${describeError(error)}`,
        );
      }
      if (!this.running) break;
      const backoff = Math.min(this.pollIntervalMs * 2 ** failures, 10_000);
      await this.pause.sleep(failures > 0 ? backoff : this.pollIntervalMs);
    }
  }

  /**
   * Releases the rows set aside `retryUnheldAfterMs` ago that no resume can release, so that
   * they are tried again once their cause is fixed (a topic created, an ACL granted), and moves
   * to the dead letters, said once, those that stop no saga and were tried again
   * `retryUnheldTimes` already: looked for every `retryUnheldAfterMs`, or every 30 s if that is
   * shorter; the rows of stuck sagas stay for their resume. Resolves with the rows released.
   */
  async releaseUnheld(now = Date.now()): Promise<number> {
    const afterMs = this.options.retryUnheldAfterMs;
    if (afterMs === undefined || now < this.nextUnheldRelease) return 0;
    this.nextUnheldRelease = now + Math.min(afterMs, 30_000);
    const { moved, released } = await this.database.transaction(async (sql) => ({
      moved: await deadLetterSpentSetAside(sql, afterMs, this.options.retryUnheldTimes ?? 6),
      released: await releaseUnheldSetAside(sql, afterMs),
    }));
    for (const row of moved) {
      this.logger.error(
        `outbox row ${row.id} (saga ${row.sagaId ?? 'none'}, topic ${row.topic}), set aside and tried again ${row.tries} times, is moved to the dead letters (dead letter ${row.deadLetterId}): ${row.cause}`,
      );
    }
    for (const row of released) {
      this.logger.warn(
        `outbox row ${row.id} (saga ${row.sagaId ?? 'none'}, topic ${row.topic}), set aside, is tried again`,
      );
    }
    return released.length;
  }

  private async setAside(rows: readonly UndeliverableRow[]): Promise<void> {
    for (const row of rows) {
      this.logger.error(
        `outbox row ${row.id} (saga ${row.sagaId ?? 'none'}, topic ${row.topic}) can never be sent, set aside: ${row.reason}`,
      );
    }
    if (this.options.setAside === undefined) return;
    await this.options.setAside(rows);
  }

  /**
   * Claims a batch of the lane, publishes it and marks it sent, in one transaction that holds
   * the lane's lock and the rows. The transaction is kept alive while the broker takes its time
   * (see keepingAlive): ended as idle, it would lose the lock while the rows are published, and
   * its mark. It is run once: a run again would publish the batch again at once (a lost
   * transaction's rows go in a later pass, after the loop's back-off).
   */
  private relayBatch(lane: number, waiting: WaitingSagas): Promise<BatchResult> {
    return this.database.transaction(
      async (sql) => {
        const [lock] = await sql.query<{ locked: boolean; idle_limit_ms: number }>(
          `SELECT pg_try_advisory_xact_lock($1, $2) AS locked, ${IDLE_LIMIT_MS} AS idle_limit_ms`,
          [LANE_LOCK_NAMESPACE, lane],
        );
        const none: BatchResult = { sent: 0, claimed: 0, undeliverable: [], waiting: [] };
        // Another instance drains this lane right now, or this one stops.
        if (!lock?.locked || this.stopping) return none;
        const rows = await claimLane(sql, lane, this.batchSize, this.options, waiting);
        if (rows.length === 0) return none;
        return keepingAlive(sql, Number(lock.idle_limit_ms), (alive) =>
          this.publishAndMark(rows, alive),
        );
      },
      { maxAttempts: 1 },
    );
  }

  /** Publishes the claimed rows (see publishRows) and marks those published sent. */
  private async publishAndMark(rows: readonly ClaimedRow[], sql: SqlRunner): Promise<BatchResult> {
    const result = await this.publishRows(rows, sql);
    await sql.query(
      // The time of the broker's acknowledgement, not of the transaction's start: reply
      // timeouts count from it.
      `UPDATE outbox SET sent_at = clock_timestamp() WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(result.sentIds)],
    );
    return {
      sent: result.sentIds.length,
      claimed: rows.length,
      undeliverable: result.undeliverable,
      waiting: result.waiting,
      outOfTime: result.outOfTime,
      ...(result.failure === undefined ? {} : { failure: result.failure }),
    };
  }

  /**
   * Publishes the rows of the sagas above suspicion as one batch, then, one by one in id order,
   * the rows of sagas with a row that failed before (or that cannot be opened); when the batch
   * fails for a reason that may be one row's, every row one by one, so that the row at fault is
   * found and the other sagas' rows still go. A saga's rows keep their order either way.
   *
   * Row by row, each send may take kafkajs seconds: past the row-by-row budget, or once stop()
   * was called, the rows not tried are left for the next pass. The rows that failed with a
   * never-sendable code are set aside if that has lasted, and wait otherwise (failuresLasted).
   */
  private async publishRows(rows: readonly ClaimedRow[], sql: SqlRunner): Promise<PublishOutcome> {
    const { clock = Date.now, rowByRowBudgetMs = 20_000 } = this.options;
    const began = clock();
    const doubtful = new Set(
      rows.filter((row) => row.message === undefined || row.failedBefore).map((row) => row.sagaId),
    );
    const clean = rows.filter((row) => !doubtful.has(row.sagaId));
    let oneByOne = rows.filter((row) => doubtful.has(row.sagaId));
    const sentIds: string[] = [];
    // Topics that failed for a reason of the topic's (gone, invalid, forbidden) in this pass:
    // their other rows share the verdict without a send, which takes kafkajs seconds each.
    const badTopics = new Map<string, unknown>();
    if (clean.length > 0) {
      try {
        await publishTraced(
          this.publisher,
          clean.map((row) => row.message!),
        );
        sentIds.push(...clean.map((row) => row.id));
      } catch (error) {
        const code = neverSendableCode(error);
        if (code === undefined) {
          return { sentIds: [], undeliverable: [], waiting: [], outOfTime: false, failure: error };
        }
        // A batch of one topic refused for the topic's reason: that is the topic's verdict.
        const topic = clean[0]!.topic;
        if (refusesTopic(code) && clean.every((row) => row.topic === topic)) {
          badTopics.set(topic, error);
        }
        oneByOne = [...rows];
      }
    }
    // The rows that can never be sent, in id order: at once (`refused` false), or once their
    // failure has lasted.
    const unsendable: { row: UndeliverableRow; refused: boolean }[] = [];
    const blocked = new Set<string | null>();
    let outOfTime = false;
    let failure: { error: unknown } | undefined;
    for (const row of oneByOne) {
      // A later row of a saga whose earlier row did not go would overtake it: it waits.
      if (blocked.has(row.sagaId)) continue;
      if (this.stopping || clock() - began >= rowByRowBudgetMs) {
        outOfTime = true;
        break;
      }
      const verdict = await this.publishOne(row, badTopics);
      if (verdict.kind === 'sent') {
        sentIds.push(row.id);
        continue;
      }
      blocked.add(row.sagaId);
      if (verdict.kind === 'failed') {
        failure = { error: verdict.error };
        break;
      }
      const { id, sagaId, topic } = row;
      unsendable.push({
        row: { id, sagaId, topic, reason: verdict.reason },
        refused: verdict.kind === 'refused',
      });
    }
    const refused = unsendable.filter((entry) => entry.refused).map((entry) => entry.row.id);
    const lasted = await failuresLasted(sql, refused, this.setAsideAfterMs);
    const setAside = unsendable.filter((entry) => !entry.refused || lasted.has(entry.row.id));
    return {
      sentIds,
      undeliverable: setAside.map((entry) => entry.row),
      waiting: unsendable
        .filter((entry) => entry.refused && !lasted.has(entry.row.id))
        .map((entry) => entry.row.sagaId),
      outOfTime,
      ...(failure === undefined ? {} : { failure: failure.error }),
    };
  }

  /** Sends one row (unless its topic is known bad in this pass), and says how it went. */
  private async publishOne(row: ClaimedRow, badTopics: Map<string, unknown>): Promise<RowVerdict> {
    if (row.message === undefined) {
      return { kind: 'poison', reason: `its payload cannot be opened: ${row.openError}` };
    }
    try {
      if (badTopics.has(row.topic)) throw badTopics.get(row.topic);
      await publishTraced(this.publisher, [row.message]);
      return { kind: 'sent' };
    } catch (error) {
      const code = neverSendableCode(error);
      if (code === undefined) return { kind: 'failed', error };
      if (refusesTopic(code)) badTopics.set(row.topic, error);
      return { kind: 'refused', reason: `${code}: ${describeError(error)}` };
    }
  }
}

/**
 * How sending one row went: sent; can never be sent (its payload does not open); refused by the
 * broker as never sendable (set aside once that has lasted, see failuresLasted); or failed for
 * a transient reason (the pass stops and backs off).
 */
type RowVerdict =
  | { readonly kind: 'sent' }
  | { readonly kind: 'poison'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * A claimed row: its message, or why its payload could not be opened; and whether it has failed
 * with a never-sendable code since it was written or released (see failuresLasted).
 */
interface ClaimedRow {
  readonly id: string;
  readonly sagaId: string | null;
  readonly topic: string;
  readonly failedBefore: boolean;
  readonly message?: OutgoingMessage;
  readonly openError?: string;
}

/**
 * The lane's unsent rows up to the newest one past the grace period, oldest first, leaving out
 * rows set aside and every row of a saga that has one (they would overtake it; for rows of no
 * saga, the later rows of the same topic and key: a breaker's `closed` behind its `opened`),
 * and every row
 * of a saga (or of no saga, by topic and key) with an earlier unsent row in another lane (a
 * saga's rows lie in two lanes once OUTBOX_LANES changed; lanes are drained one at a time, so it
 * waits for that lane's turn, found by the unsent rows' index by saga). The cut is by id, not by each row's age: a row's
 * `created_at` is its transaction's start, so a saga's later row may look older than its
 * earlier one; taking every row below the cut keeps it behind.
 */
async function claimLane(
  sql: SqlRunner,
  lane: number,
  limit: number,
  { graceMs = 0, openPayload = (_sagaId, payload) => payload }: OutboxRelayOptions,
  waiting: WaitingSagas,
): Promise<ClaimedRow[]> {
  const waitingSagas = [...waiting].filter((sagaId) => sagaId !== null);
  const rows = await sql.query<StoredOutboxRow & { failed_before: boolean }>(
    `WITH cutoff AS (
       SELECT max(id) AS id FROM outbox
       WHERE lane = $1 AND sent_at IS NULL AND created_at <= now() - make_interval(secs => $3))
     SELECT o.id, o.saga_id, o.topic, o.message_key, o.headers, o.headers_from, o.payload,
       o.first_failed_at IS NOT NULL AS failed_before
     FROM outbox o, cutoff
     WHERE o.lane = $1 AND o.sent_at IS NULL AND o.set_aside_at IS NULL AND o.id <= cutoff.id
       AND NOT EXISTS (SELECT 1 FROM outbox a WHERE a.saga_id = o.saga_id AND a.set_aside_at IS NOT NULL)
       AND (o.saga_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM outbox a
         WHERE a.saga_id IS NULL AND a.set_aside_at IS NOT NULL AND a.id < o.id
           AND a.topic = o.topic AND a.message_key = o.message_key))
       AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.saga_id = o.saga_id AND e.sent_at IS NULL
         AND e.id < o.id AND e.lane <> o.lane)
       AND (o.saga_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM outbox e
         WHERE e.saga_id IS NULL AND e.sent_at IS NULL AND e.id < o.id AND e.lane <> o.lane
           AND e.topic = o.topic AND e.message_key = o.message_key))
       AND (o.saga_id IS NULL OR NOT o.saga_id = ANY($4::uuid[]))
       AND (o.saga_id IS NOT NULL OR NOT $5)
     ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED`,
    [lane, limit, graceMs / 1000, waitingSagas, waiting.has(null)],
  );
  return rows.map((row) => {
    const claimed = {
      id: String(row.id),
      sagaId: row.saga_id,
      topic: row.topic,
      failedBefore: row.failed_before,
    };
    let value: string;
    let headers: Record<string, string>;
    try {
      headers = rowHeaders(row.headers_from, row.headers, row.payload);
      value = JSON.stringify(openPayload(row.saga_id, row.payload));
    } catch (error) {
      return { ...claimed, openError: describeError(error) };
    }
    return { ...claimed, message: { topic: row.topic, key: row.message_key, headers, value } };
  });
}
