import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { inTransaction } from '#postgres';
import { publishTraced } from '#tracing';
import type { UnsentRow } from '../persistence/decision-rows.js';
import type { OutboxRow } from '../persistence/saga-rows.js';
import { SagaOrderGuard, type QueuedRow } from './saga-order-guard.js';
import { describeError } from '#errors';

/** Turns a stored payload into the one to publish (opens sealed commands). */
export type OpenPayload = (sagaId: string | null, payload: unknown) => unknown;

/**
 * Publishes outbox rows as soon as the transaction that wrote them has committed, without
 * reading them back: rows committed while a publish is under way go together in the next
 * request, in id order. Then it marks them sent, in a transaction committed without waiting for
 * the disk: a mark lost in a crash only means the relay publishes those rows again, and
 * receivers dedupe by message id. A row it could not publish stays unsent for the relay, the
 * crash backup, which leaves rows alone until they are older than its grace period.
 *
 * A saga's messages leave in the order they were decided: a row is published here only when
 * no earlier row of its saga is still unsent (see SagaOrderGuard); otherwise it is left to the
 * relay, which sends a lane's rows in id order.
 */
export class OutboxFastPath {
  private readonly logger = new Logger(OutboxFastPath.name);
  private queue: QueuedRow[] = [];
  private draining: Promise<void> | undefined;
  private unmarked: string[] = [];
  private marking: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private readonly order: SagaOrderGuard;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: MessagePublisher,
    private readonly openPayload: OpenPayload,
  ) {
    this.order = new SagaOrderGuard(dataSource);
  }

  /**
   * Queues committed rows (`ids[i]` is the id of `rows[i]`) for publishing; returns at once.
   * `unsentBefore`: the rows of their sagas that were unsent when they were written (all of
   * them; see writeDecision), which spares the order check a query; absent: not known.
   */
  publish(
    ids: readonly string[],
    rows: readonly OutboxRow[],
    unsentBefore?: readonly UnsentRow[],
  ): void {
    if (this.stopped || ids.length === 0) return;
    const earlierOf = new Map<string, string[]>();
    for (const { sagaId, id } of unsentBefore ?? []) {
      const earlier = earlierOf.get(sagaId);
      if (earlier === undefined) earlierOf.set(sagaId, [id]);
      else earlier.push(id);
    }
    rows.forEach((row, index) => {
      const queued: QueuedRow = { id: ids[index]!, sagaId: row.sagaId, row };
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
      let ready: QueuedRow[];
      try {
        ready = await this.order.publishable(batch);
        if (ready.length === 0) continue;
        await publishTraced(
          this.publisher,
          ready.map((queued) => this.toMessage(queued.row)),
        );
      } catch (error) {
        // Left unsent: the relay publishes them, in order, once their grace period is over.
        if (!this.failing)
          this.logger.warn(`publish failed, the relay takes over: ${describeError(error)}`);
        this.failing = true;
        continue;
      }
      this.failing = false;
      const ids = ready.map((queued) => queued.id);
      this.order.published(ids);
      this.unmarked.push(...ids);
      this.marking ??= this.markSent();
    }
    this.draining = undefined;
  }

  private async markSent(): Promise<void> {
    while (this.unmarked.length > 0) {
      const ids = this.unmarked;
      this.unmarked = [];
      try {
        await inTransaction(this.dataSource, async (sql) => {
          await sql.query(`SET LOCAL synchronous_commit = off`);
          await sql.query(
            `UPDATE outbox SET sent_at = clock_timestamp()
             WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))`,
            [JSON.stringify(ids)],
          );
        });
      } catch (error) {
        this.logger.warn(
          `could not mark ${ids.length} published rows sent (the relay will publish them again): ${describeError(error)}`,
        );
      }
      this.order.marked(ids);
    }
    this.marking = undefined;
  }
}

/** Orders outbox row ids (bigint as text) numerically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
