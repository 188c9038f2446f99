import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { inTransaction } from '#postgres';
import { publishTraced } from '#tracing';
import type { OutboxRow } from '../persistence/saga-rows.js';

/** Turns a stored payload into the one to publish (opens sealed commands). */
export type OpenPayload = (sagaId: string | null, payload: unknown) => unknown;

/**
 * Publishes outbox rows as soon as the transaction that wrote them has committed, without
 * reading them back: rows committed while a publish is under way go together in the next
 * request, in commit order. Then it marks them sent, in a transaction committed without
 * waiting for the disk: a mark lost in a crash only means the relay publishes those rows again,
 * and receivers dedupe by message id. A row it could not publish stays unsent for the relay,
 * the crash backup, which leaves rows alone until they are older than its grace period.
 */
export class OutboxFastPath {
  private readonly logger = new Logger(OutboxFastPath.name);
  private queue: { ids: readonly string[]; messages: OutgoingMessage[] }[] = [];
  private draining: Promise<void> | undefined;
  private unmarked: string[] = [];
  private marking: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: MessagePublisher,
    private readonly openPayload: OpenPayload,
  ) {}

  /** Queues committed rows (`ids[i]` is the id of `rows[i]`) for publishing; returns at once. */
  publish(ids: readonly string[], rows: readonly OutboxRow[]): void {
    if (this.stopped || ids.length === 0) return;
    this.queue.push({ ids, messages: rows.map((row) => this.toMessage(row)) });
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
      const batch = this.queue;
      this.queue = [];
      try {
        await publishTraced(
          this.publisher,
          batch.flatMap((committed) => committed.messages),
        );
      } catch (error) {
        // Left unsent: the relay publishes them once their grace period is over.
        if (!this.failing)
          this.logger.warn(`publish failed, the relay takes over: ${describe(error)}`);
        this.failing = true;
        continue;
      }
      this.failing = false;
      this.unmarked.push(...batch.flatMap((committed) => committed.ids));
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
            `UPDATE outbox SET sent_at = now()
             WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))`,
            [JSON.stringify(ids)],
          );
        });
      } catch (error) {
        this.logger.warn(
          `could not mark ${ids.length} published rows sent (the relay will publish them again): ${describe(error)}`,
        );
      }
    }
    this.marking = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
