import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { type Database, prepared, retryWhileUnavailable } from '#postgres';
import { HEADERS } from '#contracts';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { publishTraced } from '#tracing';
import type { UnsentRow } from '../persistence/decision-rows.js';
import type { OutboxRow } from '../persistence/saga-rows.js';
import type { TimerRow } from '../persistence/saga-timers.js';
import { REFUSED_TOPIC_MS, RefusedTopics } from './refused-topics.js';
import { groupOf, SagaOrderGuard, type QueuedRow } from './saga-order-guard.js';
import { describeError } from '#errors';
import { neverSendableCode, refusesTopic, sendInFittingHalves } from '#messaging';

/** Turns a stored payload into the one to publish (opens sealed commands). */
export type OpenPayload = (sagaId: string | null, payload: unknown) => unknown;

/**
 * A command a reply timeout awaits may be removed once sent only if the broker took it within
 * this share of the timeout, and ON_TIME_MS at most, after its decision began: the timer of a
 * command whose row is gone fires as set, counting from the decision, so at most that much
 * early. A row acknowledged later is kept, marked with its sent time, which its timeout then
 * counts from (as for every row the relay sends).
 */
export const ON_TIME_SHARE = 0.05;
export const ON_TIME_MS = 250;

/**
 * Until when (on the fast path's clock, ms) each row may reach the broker and still be removed
 * once sent; Infinity when no reply timeout counts from it.
 */
export type RemovalDeadlines = (row: OutboxRow) => number;

/** For rows no reply timeout awaits (events): removed once sent, however late. */
export const REMOVABLE_ANY_TIME: RemovalDeadlines = () => Number.POSITIVE_INFINITY;

/**
 * The deadlines of the rows of a decision begun at `began` (performance.now()) that set
 * `timers`: a reply timeout awaits the command whose message id its `awaits` names.
 */
export function removalDeadlines(began: number, timers: Iterable<TimerRow>): RemovalDeadlines {
  const timeoutOf = new Map<string, number>();
  for (const { awaits } of timers) {
    if (awaits?.messageId !== undefined) timeoutOf.set(awaits.messageId, awaits.delayMs);
  }
  return (row) => {
    const timeoutMs = timeoutOf.get(row.headers[HEADERS.messageId] ?? '');
    if (timeoutMs === undefined) return Number.POSITIVE_INFINITY;
    return began + Math.min(ON_TIME_MS, timeoutMs * ON_TIME_SHARE);
  };
}

/** A queued row and until when it may be acknowledged and still be removed. */
type TimedRow = QueuedRow & { readonly removableUntil: number };

/** How long the removal or mark of published rows is retried while the database is unavailable. */
const MARK_RETRY_WINDOW_MS = 1_000;

/**
 * Publishes outbox rows as soon as the transaction that wrote them has committed, without
 * reading them back: rows committed while a publish is under way go together in the next
 * request, in id order. Then it removes them (one bulk delete, no per-row update: the outbox
 * is only appended to on the hot path), or marks sent the ones a reply timeout needs the sent
 * time of (RemovalDeadlines), in one statement committed without waiting for the disk: a
 * removal lost in a crash only means the relay publishes those rows again, and receivers
 * dedupe by message id. A row it could not publish stays unsent for the relay, the crash
 * backup, which leaves rows alone until they are older than its grace period.
 *
 * A saga's messages leave in the order they were decided: a row is published here only when
 * no earlier row of its saga is still unsent (see SagaOrderGuard); otherwise it is left to the
 * relay, which sends a lane's rows in id order. The one exception is the `saga.stuck` event of
 * a row set aside, handed in as owing nothing to earlier rows (OperatorDecisions.setAside).
 */
export class OutboxFastPath {
  private readonly logger = new Logger(OutboxFastPath.name);
  private queue: TimedRow[] = [];
  private draining: Promise<void> | undefined;
  /** Published rows not yet removed (on time) or marked sent (late, or no deadline given). */
  private unmarked: { readonly onTime: string[]; readonly late: string[] } = {
    onTime: [],
    late: [],
  };
  private marking: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private readonly order: SagaOrderGuard;
  /** Topics the broker refused lately (on `clock`): their rows go to the relay untried. */
  private readonly refusedTopics = new RefusedTopics();

  constructor(
    private readonly database: Database,
    private readonly publisher: MessagePublisher,
    private readonly openPayload: OpenPayload,
    /** A monotonic clock, ms, the one RemovalDeadlines are on (tests move it). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.order = new SagaOrderGuard(database);
  }

  /**
   * Queues committed rows (`ids[i]` is the id of `rows[i]`) for publishing; returns at once.
   * `unsentBefore`: the rows of their sagas that were unsent when they were written (all of
   * them, see writeDecision; none for rows that go ahead of them), which spares the order check
   * a query; absent: not known.
   * `removable`: until when each row may be acknowledged and still be removed; absent, every
   * row is kept and marked sent once published.
   */
  publish(
    ids: readonly string[],
    rows: readonly OutboxRow[],
    unsentBefore?: readonly UnsentRow[],
    removable?: RemovalDeadlines,
  ): void {
    if (this.stopped || ids.length === 0) return;
    const earlierOf = new Map<string, string[]>();
    for (const { sagaId, id } of unsentBefore ?? []) {
      const earlier = earlierOf.get(sagaId);
      if (earlier === undefined) earlierOf.set(sagaId, [id]);
      else earlier.push(id);
    }
    rows.forEach((row, index) => {
      const removableUntil = removable?.(row) ?? Number.NEGATIVE_INFINITY;
      const queued: TimedRow = { id: ids[index]!, sagaId: row.sagaId, row, removableUntil };
      const earlier = row.sagaId === null ? [] : (earlierOf.get(row.sagaId) ?? []);
      this.queue.push(unsentBefore === undefined ? queued : { ...queued, unsentBefore: earlier });
    });
    this.draining ??= this.drain();
  }

  /** Publishes and marks what is queued, then takes no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.draining;
    await this.marking;
  }

  private toMessage(row: OutboxRow): OutgoingMessage {
    return {
      topic: row.topic,
      key: row.key,
      headers: row.headers,
      value: JSON.stringify(this.openPayload(row.sagaId, row.payload)),
    };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.sort((a, b) => compareIds(a.id, b.id));
      this.queue = [];
      let ready: TimedRow[];
      try {
        ready = await this.send(await this.order.publishable(batch));
        if (ready.length === 0) continue;
      } catch (error) {
        // Left unsent: the relay publishes them, in order, once their grace period is over.
        if (!this.failing)
          this.logger.warn(`publish failed, the relay takes over: ${describeError(error)}`);
        this.failing = true;
        continue;
      }
      this.failing = false;
      const ackedAt = this.clock();
      const ids = ready.map((queued) => queued.id);
      this.order.published(ids);
      for (const queued of ready) {
        const when = ackedAt <= queued.removableUntil ? 'onTime' : 'late';
        this.unmarked[when].push(queued.id);
      }
      this.marking ??= this.markSent();
    }
    this.draining = undefined;
  }

  /**
   * Publishes `rows` (in id order); resolves with those the broker took. Rows to a topic refused
   * lately are left untried. When the broker refuses the call for good (a topic missing, invalid
   * or forbidden, a message too large), the rows go again topic by topic, halved when too large,
   * so that one topic or message holds back no other: what it still refuses is left. A row whose
   * group (groupOf: its saga) has an earlier row left is left too: it would overtake it. Left
   * rows stay unsent for the relay. A transient failure throws, sending nothing.
   */
  private async send(rows: readonly TimedRow[]): Promise<TimedRow[]> {
    const now = this.clock();
    const leftGroups = new Set<string>();
    const tried = rows.filter((queued) => {
      const refused = this.refusedTopics.refuses(queued.row.topic, now);
      if (refused) leftGroups.add(groupOf(queued));
      return !leftGroups.has(groupOf(queued));
    });
    if (tried.length === 0) return [];
    try {
      await this.publishRows(tried);
      return tried;
    } catch (error) {
      if (neverSendableCode(error) === undefined) throw error;
      return this.sendByTopic(tried);
    }
  }

  /** The rows sent topic by topic (see send); a transient failure ends it, with what went. */
  private async sendByTopic(rows: readonly TimedRow[]): Promise<TimedRow[]> {
    const sent = new Set<TimedRow>();
    const left = new Set<string>();
    // A row goes only with or after every earlier row of its group in the batch (in id order).
    const ofGroup = Map.groupBy(rows, (queued) => groupOf(queued));
    const send = async (items: readonly TimedRow[]) => {
      const going = new Set<TimedRow>();
      for (const queued of items) {
        const group = groupOf(queued);
        const earlierGone = ofGroup
          .get(group)!
          .every(
            (other) =>
              other === queued ||
              sent.has(other) ||
              going.has(other) ||
              compareIds(other.id, queued.id) > 0,
          );
        if (!left.has(group) && earlierGone) going.add(queued);
      }
      if (going.size > 0) await this.publishRows([...going]);
      for (const queued of going) sent.add(queued);
    };
    for (const [topic, ofTopic] of Map.groupBy(rows, (queued) => queued.row.topic)) {
      try {
        await sendInFittingHalves(send, ofTopic, async (queued) => {
          left.add(groupOf(queued));
        });
      } catch (error) {
        const code = neverSendableCode(error);
        if (code === undefined) {
          this.logger.warn(`publish failed, the relay takes over: ${describeError(error)}`);
          break;
        }
        for (const queued of ofTopic) if (!sent.has(queued)) left.add(groupOf(queued));
        if (refusesTopic(code)) {
          this.refusedTopics.refuse(topic, this.clock());
          this.logger.warn(
            `the broker refuses ${topic} (${code}): its rows go to the relay for ${REFUSED_TOPIC_MS / 1000} s`,
          );
        }
      }
    }
    return rows.filter((queued) => sent.has(queued));
  }

  private publishRows(rows: readonly TimedRow[]): Promise<void> {
    return publishTraced(
      this.publisher,
      rows.map((queued) => this.toMessage(queued.row)),
    );
  }

  private async markSent(): Promise<void> {
    while (this.unmarked.onTime.length + this.unmarked.late.length > 0) {
      const { onTime, late } = this.unmarked;
      this.unmarked = { onTime: [], late: [] };
      try {
        await this.removeOrMark(onTime, late);
      } catch (error) {
        this.logger.warn(
          `could not remove or mark ${onTime.length + late.length} published rows (the relay will publish them again): ${describeError(error)}`,
        );
      }
      this.order.marked([...onTime, ...late]);
    }
    this.marking = undefined;
  }

  /**
   * Removes `onTime`, marks `late` sent: one statement, tried again for a moment while the
   * database is unavailable (harmless: a second mark only moves a timeout later).
   */
  private async removeOrMark(onTime: readonly string[], late: readonly string[]): Promise<void> {
    await retryWhileUnavailable(
      () =>
        // Its own transaction: set_config(…, true) holds until its commit, which therefore
        // does not wait for the disk.
        this.database.query(REMOVE_OR_MARK, [JSON.stringify(onTime), JSON.stringify(late)]),
      { until: Date.now() + (this.stopped ? 0 : MARK_RETRY_WINDOW_MS), pauseMs: 50 },
    );
  }
}

/**
 * Removes the rows of $1 and marks those of $2 sent, without waiting for the disk. A row the
 * relay holds (it claimed it, older than its grace, and publishes it: Kafka is slow) is left to
 * the relay, which marks it once published: waiting for it would wait out the lock timeout, then
 * fail the whole statement, and every row of it be published again.
 */
const REMOVE_OR_MARK = prepared(
  // `= ANY(ARRAY(…))`: the cached plan reads the primary key however large the table has
  // grown since it was planned (a join with the ids may be planned as a scan of the table).
  `WITH removed AS (
     DELETE FROM outbox WHERE id = ANY(ARRAY(SELECT o.id FROM outbox o
       WHERE o.id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb)))
       FOR UPDATE SKIP LOCKED))),
   marked AS (
     UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY(ARRAY(SELECT o.id FROM outbox o
       WHERE o.id = ANY(ARRAY(SELECT value::bigint FROM jsonb_array_elements_text($2::jsonb)))
       FOR UPDATE SKIP LOCKED)))
   SELECT set_config('synchronous_commit', 'off', true)`,
);

/** Orders outbox row ids (bigint as text) numerically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
