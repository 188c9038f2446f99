import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Database } from '#postgres';
import {
  eventHeaders,
  MESSAGE_TYPES,
  type ParticipantEventMessage,
  type ParticipantEventType,
  type TopicNames,
} from '#contracts';
import { laneOf } from '../outbox/outbox-lanes.js';
import { REMOVABLE_ANY_TIME, type OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { enqueueOutbox, type OutboxRow } from '../persistence/saga-rows.js';
import type { BreakerChange, BreakerState } from './participant-breaker.js';
import { describeError } from '#errors';

const EVENT_TYPES: Record<BreakerState, ParticipantEventType> = {
  open: 'participant.breaker-opened',
  'half-open': 'participant.breaker-half-open',
  closed: 'participant.breaker-closed',
};

/** One line of the breaker log, as the API shows it. */
export interface BreakerLogEntry {
  readonly participant: string;
  readonly at: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly instance: string;
  readonly detail: string;
}

/**
 * Makes every breaker state change loud: a log line at once, then, in one transaction, a row
 * in the append-only `participant_breaker_log` and a `participant.*` event on `saga.events`
 * through the outbox. Changes are written in the order they happened.
 */
export class BreakerLog {
  private readonly logger = new Logger('CircuitBreaker');
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly topics: TopicNames,
    private readonly lanes: number,
    private readonly fastPath: OutboxFastPath,
    private readonly instance: string,
  ) {}

  /** Records a change; never throws (a failed write is logged: the breaker acts regardless). */
  record(change: BreakerChange): void {
    const line = `participant "${change.participant}": breaker ${change.from} -> ${change.to} (${change.detail})`;
    if (change.to === 'closed') this.logger.log(line);
    else this.logger.warn(line);
    const at = new Date().toISOString();
    this.writes = this.writes
      .then(() => this.write(change, at))
      .catch((error: unknown) =>
        this.logger.error(
          `could not record the breaker change of "${change.participant}": ${describeError(error)}`,
        ),
      );
  }

  /** Resolves once every change recorded so far is written (or failed). */
  flushed(): Promise<void> {
    return this.writes;
  }

  private async write(change: BreakerChange, at: string): Promise<void> {
    const event: ParticipantEventMessage = {
      eventId: randomUUID(),
      participant: change.participant,
      type: EVENT_TYPES[change.to],
      instance: this.instance,
      at,
      detail: change.detail,
    };
    const row: OutboxRow = {
      sagaId: null,
      lane: laneOf(change.participant, this.lanes),
      topic: this.topics.events,
      key: change.participant,
      headers: eventHeaders(event.eventId, MESSAGE_TYPES.participantEvent),
      payload: event as never,
    };
    const ids = await this.database.transaction(async (sql) => {
      await sql.query(
        `INSERT INTO participant_breaker_log (participant, at, from_state, to_state, instance, detail)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [change.participant, at, change.from, change.to, this.instance, change.detail],
      );
      return enqueueOutbox(sql, [row]);
    });
    this.fastPath.publish(ids, [row], undefined, REMOVABLE_ANY_TIME);
  }
}

/** The latest breaker changes of a participant (all instances), newest first. */
export async function readBreakerLog(
  database: Database,
  participant: string,
  limit: number,
): Promise<BreakerLogEntry[]> {
  const rows = await database.query<{
    participant: string;
    at: Date;
    from_state: BreakerState;
    to_state: BreakerState;
    instance: string;
    detail: string;
  }>(
    `SELECT participant, at, from_state, to_state, instance, detail FROM participant_breaker_log
     WHERE participant = $1 ORDER BY id DESC LIMIT $2`,
    [participant, limit],
  );
  return rows.map((row) => ({
    participant: row.participant,
    at: new Date(row.at).toISOString(),
    from: row.from_state,
    to: row.to_state,
    instance: row.instance,
    detail: row.detail,
  }));
}
