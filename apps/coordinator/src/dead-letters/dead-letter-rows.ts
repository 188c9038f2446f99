import type { DeadLetterView } from './dead-letter-views.js';
import { renderDeadLetterValue } from './dead-letter-views.js';

/** A `dead_letters` row as pg returns it. */
export interface DeadLetterRow {
  id: string;
  topic: string;
  original_topic: string;
  original_partition: number | null;
  original_offset: string | null;
  message_key: string | null;
  headers: Record<string, string>;
  value: string | null;
  value_truncated: boolean;
  value_redacted: boolean;
  reason: string;
  failed_at: Date | string | null;
  recorded_at: Date | string;
  replayed_at: Date | string | null;
  replayed_by: string | null;
  replay_count: number;
}

/** The columns of {@link DeadLetterRow}, for SELECT and RETURNING. */
export const DEAD_LETTER_COLUMNS = `id::text AS id, topic, original_topic, original_partition,
  original_offset::text AS original_offset, message_key, headers, value, value_truncated, value_redacted, reason,
  failed_at, recorded_at, replayed_at, replayed_by, replay_count`;

/** A row as the API shows it. */
export function toDeadLetterView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    topic: row.topic,
    originalTopic: row.original_topic,
    originalPartition: row.original_partition,
    originalOffset: row.original_offset,
    key: row.message_key,
    headers: row.headers,
    value: renderDeadLetterValue(row.value),
    valueTruncated: row.value_truncated,
    valueRedacted: row.value_redacted,
    reason: row.reason,
    failedAt: toIsoOrNull(row.failed_at),
    recordedAt: new Date(row.recorded_at).toISOString(),
    replayedAt: toIsoOrNull(row.replayed_at),
    replayedBy: row.replayed_by,
    replayCount: row.replay_count,
  };
}

function toIsoOrNull(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
