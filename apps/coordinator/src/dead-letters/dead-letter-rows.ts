import type { DeadLetterView } from './dead-letter-views.js';
import { REDACTED, type JsonValue } from '#contracts';
import { UnsealError } from '../security/field-cipher.js';
import { NO_SEALING, type DeadLetterSealer } from './dead-letter-sealer.js';
import { renderDeadLetterValue } from './dead-letter-views.js';
import { unescapedRow } from './dead-letter-text.js';

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
  /** Bytes of its key, value or a header were not UTF-8 and are stored as U+FFFD: not replayable. */
  bytes_replaced: boolean;
  /** The value is sealed (AES-GCM, see DeadLetterSealer): the saga may hold sensitive fields. */
  value_sealed: boolean;
  /** The texts were stored escaped (they held U+0000 or lone surrogates): see unescapedRow. */
  text_escaped: boolean;
  reason: string;
  failed_at: Date | string | null;
  recorded_at: Date | string;
  replayed_at: Date | string | null;
  replayed_by: string | null;
  replay_count: number;
}

/**
 * The columns of {@link DeadLetterRow}, for SELECT and RETURNING. Its `id` is text: a statement
 * that selects them orders by `dead_letters.id`, since `ORDER BY id` would name this text
 * (`10` before `9`).
 */
export const DEAD_LETTER_COLUMNS = `id::text AS id, topic, original_topic, original_partition,
  original_offset::text AS original_offset, message_key, headers, value, value_truncated, value_redacted, bytes_replaced, value_sealed, text_escaped, reason,
  failed_at, recorded_at, replayed_at, replayed_by, replay_count`;

/**
 * A row as the API shows it. The value of a dead letter that may hold sensitive fields is
 * opened for callers allowed to `reveal` them only, and `[REDACTED]` for the others (and for
 * them too when its key is no longer in the keyring).
 */
export function toDeadLetterView(
  stored: DeadLetterRow,
  sealer: DeadLetterSealer = NO_SEALING,
  reveal = false,
): DeadLetterView {
  const row = unescapedRow(stored);
  return {
    id: row.id,
    topic: row.topic,
    originalTopic: row.original_topic,
    originalPartition: row.original_partition,
    originalOffset: row.original_offset,
    key: row.message_key,
    headers: row.headers,
    value: shownValue(row, sealer, reveal),
    valueTruncated: row.value_truncated,
    valueRedacted: row.value_redacted,
    bytesReplaced: row.bytes_replaced,
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

function shownValue(row: DeadLetterRow, sealer: DeadLetterSealer, reveal: boolean): JsonValue {
  if (row.value_sealed) {
    if (!reveal || row.value === null) return REDACTED;
    try {
      return renderDeadLetterValue(sealer.open(row.headers, row.value));
    } catch (error) {
      // Sealed under a key since dropped: shown redacted, as a saga's fields are, so that the
      // rest of its page (and this row's id, to restore the key or let retention go) is seen.
      if (error instanceof UnsealError) return REDACTED;
      throw error;
    }
  }
  if (!reveal && !row.value_redacted && sealer.mayHoldSensitive(row.headers, row.original_topic)) {
    return REDACTED;
  }
  return renderDeadLetterValue(row.value);
}

/** The value as it was dead-lettered (opened when sealed), for a replay. */
export function originalValue(stored: DeadLetterRow, sealer: DeadLetterSealer): string | null {
  const row = unescapedRow(stored);
  return row.value_sealed && row.value !== null ? sealer.open(row.headers, row.value) : row.value;
}
