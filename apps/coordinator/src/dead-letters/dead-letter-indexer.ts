import { inTransaction } from '#postgres';
import type { BatchHandler } from '#saga-core';
import type { DataSource } from 'typeorm';
import { toDeadLetterRecord } from './dead-letter-record.js';
import { NO_SEALING, type DeadLetterSealer } from './dead-letter-sealer.js';

const COLUMNS = [
  'topic',
  'original_topic',
  'original_partition',
  'original_offset',
  'message_key',
  'headers',
  'value',
  'value_truncated',
  'value_redacted',
  'value_sealed',
  'reason',
  'failed_at',
];

/**
 * Handles a batch read from dead-letter topics: records every message in `dead_letters`, in one
 * transaction, ignoring one already recorded (same topic and original partition and offset).
 * It never dead-letters anything itself (a dead-letter topic has no dead-letter topic):
 * whatever arrives is recorded as it is (sealed when its saga may hold sensitive fields); a
 * database failure throws, and the batch comes again.
 */
export function deadLetterIndexer(
  dataSource: DataSource,
  sealer: DeadLetterSealer = NO_SEALING,
): BatchHandler {
  return async (messages) => {
    if (messages.length === 0) return { deadLetters: [] };
    const params: unknown[] = [];
    const rows = messages.map((message) => {
      const record = toDeadLetterRecord(message);
      // A value that may hold sensitive fields is stored sealed (a redacted copy needs no seal).
      const sealed =
        record.value === null || record.valueRedacted
          ? undefined
          : sealer.seal(record.headers, record.value);
      const values = [
        record.topic,
        record.originalTopic,
        record.originalPartition,
        record.originalOffset,
        record.key,
        JSON.stringify(record.headers),
        sealed ?? record.value,
        record.valueTruncated,
        record.valueRedacted,
        sealed !== undefined,
        record.reason,
        record.failedAt,
      ];
      return `(${values.map((value) => `$${params.push(value)}`).join(', ')})`;
    });
    await inTransaction(dataSource, (sql) =>
      sql.query(
        `INSERT INTO dead_letters (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
         ON CONFLICT ON CONSTRAINT dead_letters_origin_unique DO NOTHING`,
        params,
      ),
    );
    return { deadLetters: [] };
  };
}
