import type { Database } from '#postgres';
import type { BatchHandler } from '#saga-core';
import { toDeadLetterRecord } from './dead-letter-record.js';
import { NO_SEALING, type DeadLetterSealer } from './dead-letter-sealer.js';
import { anyUnstorable, escapeText } from './dead-letter-text.js';

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
  'bytes_replaced',
  'value_sealed',
  'text_escaped',
  'reason',
  'failed_at',
];

/**
 * Handles a batch read from dead-letter topics: records every message in `dead_letters`, in one
 * transaction, ignoring one already recorded (same topic and original partition and offset).
 * It never dead-letters anything itself (a dead-letter topic has no dead-letter topic):
 * whatever arrives is recorded as it is (sealed when its saga may hold sensitive fields); a
 * record holding text Postgres cannot store (U+0000, lone surrogates: raw 0x00 bytes, say)
 * has its texts stored escaped (see escapeText) and `text_escaped` set, so that the API and a
 * replay give them back exactly. A database failure throws, and the batch comes again.
 */
export function deadLetterIndexer(
  database: Database,
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
          : sealer.seal(record.headers, record.value, record.originalTopic);
      const headerTexts = Object.entries(record.headers).flat();
      const escaped = anyUnstorable([
        record.originalTopic,
        record.key,
        record.reason,
        ...headerTexts,
        sealed === undefined ? record.value : null,
      ]);
      const text = <T extends string | null>(value: T): T =>
        (escaped && value !== null ? escapeText(value) : value) as T;
      const headers = escaped
        ? Object.fromEntries(
            Object.entries(record.headers).map(([name, value]) => [text(name), text(value)]),
          )
        : record.headers;
      const values = [
        record.topic,
        text(record.originalTopic),
        record.originalPartition,
        record.originalOffset,
        text(record.key),
        JSON.stringify(headers),
        sealed ?? text(record.value),
        record.valueTruncated,
        record.valueRedacted,
        record.bytesReplaced,
        sealed !== undefined,
        escaped,
        text(record.reason),
        record.failedAt,
      ];
      return `(${values.map((value) => `$${params.push(value)}`).join(', ')})`;
    });
    await database.transaction((sql) =>
      sql.query(
        `INSERT INTO dead_letters (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
         ON CONFLICT ON CONSTRAINT dead_letters_origin_unique DO NOTHING`,
        params,
      ),
    );
    return { deadLetters: [] };
  };
}
