import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { inTransaction, runQuery, type SqlRunner } from '#postgres';
import { publishTraced } from '#tracing';
import type { OpenPayload } from './outbox-fast-path.js';
import { InterruptibleSleep } from '../runtime/interruptible-sleep.js';

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
  /** Sent rows older than this are deleted (default 1 hour). */
  readonly retentionMs?: number;
  /** Inbox ids older than this are deleted (default 7 days). */
  readonly inboxRetentionMs?: number;
  /** How often old rows are pruned (default 60 000). */
  readonly pruneIntervalMs?: number;
}

const LANE_LOCK_NAMESPACE = 7_001;

/**
 * The backup of the outbox fast path: publishes committed outbox rows that are still unsent
 * after the grace period (their instance crashed, or Kafka refused them), then marks them sent. Each lane is drained by one instance
 * at a time (a transaction-scoped advisory lock), rows in id order, so a saga's messages keep
 * their order while several instances share the lanes. A crash between publishing and marking
 * republishes the batch: delivery is at least once, and receivers dedupe by message id.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;
  private readonly inboxRetentionMs: number;
  private running = false;
  private readonly pause = new InterruptibleSleep();
  private loop: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: MessagePublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.retentionMs = options.retentionMs ?? 3_600_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.inboxRetentionMs = options.inboxRetentionMs ?? 7 * 24 * 3_600_000;
  }

  /** Starts relaying in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand is published and marked. */
  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  /** Publishes everything unsent that this instance can claim now; resolves with the row count. */
  async drainOnce(): Promise<number> {
    let total = 0;
    for (const lane of await this.lanesWithWork()) {
      for (;;) {
        const sent = await this.relayBatch(lane);
        total += sent;
        if (sent < this.batchSize) break;
      }
    }
    return total;
  }

  /** The lanes holding rows past the grace period: one cheap read when there are none. */
  private async lanesWithWork(): Promise<number[]> {
    const rows = await runQuery<{ lane: number }>(
      this.dataSource,
      `SELECT DISTINCT lane FROM outbox
       WHERE sent_at IS NULL AND created_at <= now() - make_interval(secs => $1) ORDER BY lane`,
      [(this.options.graceMs ?? 0) / 1000],
    );
    return rows.map((row) => row.lane);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.drainOnce();
        await this.pruneIfDue();
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn(
          `outbox relay failed (${failures} in a row), retrying: ${describe(error)}`,
        );
      }
      if (!this.running) break;
      const backoff = Math.min(this.pollIntervalMs * 2 ** failures, 10_000);
      await this.pause.sleep(failures > 0 ? backoff : this.pollIntervalMs);
    }
  }

  private relayBatch(lane: number): Promise<number> {
    return inTransaction(this.dataSource, async (sql) => {
      const [lock] = await sql.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock($1, $2) AS locked`,
        [LANE_LOCK_NAMESPACE, lane],
      );
      if (!lock?.locked) return 0; // another instance drains this lane right now
      const rows = await claimLane(sql, lane, this.batchSize, this.options);
      if (rows.length === 0) return 0;
      await publishTraced(
        this.publisher,
        rows.map((row) => row.message),
      );
      await sql.query(
        `UPDATE outbox SET sent_at = now() WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(rows.map((row) => row.id))],
      );
      return rows.length;
    });
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < this.pruneIntervalMs) return;
    this.lastPrune = now;
    // Inbox ids outlive outbox rows: a late duplicate is still recognised (the engine's fencing
    // covers what comes after even that).
    await inTransaction(this.dataSource, async (sql) => {
      await sql.query(`DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)`, [
        this.retentionMs / 1000,
      ]);
      await sql.query(`DELETE FROM inbox WHERE received_at < now() - make_interval(secs => $1)`, [
        this.inboxRetentionMs / 1000,
      ]);
    });
  }
}

async function claimLane(
  sql: SqlRunner,
  lane: number,
  limit: number,
  { graceMs = 0, openPayload = (_sagaId, payload) => payload }: OutboxRelayOptions,
): Promise<{ id: string; message: OutgoingMessage }[]> {
  const rows = await sql.query<{
    id: string;
    saga_id: string;
    topic: string;
    message_key: string;
    headers: Record<string, string>;
    payload: unknown;
  }>(
    `SELECT id, saga_id, topic, message_key, headers, payload FROM outbox
     WHERE lane = $1 AND sent_at IS NULL AND created_at <= now() - make_interval(secs => $3)
     ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [lane, limit, graceMs / 1000],
  );
  return rows.map((row) => ({
    id: String(row.id),
    message: {
      topic: row.topic,
      key: row.message_key,
      headers: row.headers,
      value: JSON.stringify(openPayload(row.saga_id, row.payload)),
    },
  }));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
