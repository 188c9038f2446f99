import { DEAD_LETTER_HEADER_NAMES, DEAD_LETTER_HEADERS } from '#contracts';
import type { IncomingMessage, OutgoingMessage } from '#saga-core';
import { MAX_DEAD_LETTER_VALUE_BYTES } from '../common/dead-letter-limits.js';
import { DeadLetterNotReplayableError } from './dead-letter-errors.js';
import { originalTopicOf } from './dead-letter-topics.js';

/** The reason recorded when a dead letter carries no `dlq-reason` header. */
export const UNKNOWN_REASON = 'no reason given (dlq-reason header missing)';

/** A dead letter as the `dead_letters` table records it. */
export interface DeadLetterRecord {
  /** The dead-letter topic it was read from. */
  readonly topic: string;
  /**
   * The `dlq-original-topic` header as it came, else the topic `topic` is the dead-letter topic
   * of. Shown only: a replay goes to the origin of `topic` (see replayTopicProblem).
   */
  readonly originalTopic: string;
  /** Null when the headers do not say (such records cannot be told apart on redelivery). */
  readonly originalPartition: number | null;
  /** A decimal string, or null when the headers do not say. */
  readonly originalOffset: string | null;
  readonly key: string | null;
  /** The original headers, without the `dlq-*` ones. */
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
  /**
   * True when the value was longer than MAX_DEAD_LETTER_VALUE_BYTES and was cut, or the dead
   * letter came without it (`dlq-value-truncated`): not replayable.
   */
  readonly valueTruncated: boolean;
  /** True when the dead-letterer kept a redacted copy of the value (not replayable). */
  readonly valueRedacted: boolean;
  /**
   * True when its key, value or a header held bytes that are not valid UTF-8, read as U+FFFD
   * (IncomingMessage.bytesReplaced): not replayable, a replay would send other bytes.
   */
  readonly bytesReplaced: boolean;
  readonly reason: string;
  /** ISO time from `dlq-failed-at`, or null when missing or not a time. */
  readonly failedAt: string | null;
}

/**
 * Reads a message of a dead-letter topic: the coordinates and reason from its `dlq-*` headers,
 * the rest as it was. Never throws: a dead letter without those headers (written by hand, say)
 * is still recorded, its original topic taken from the dead-letter topic's name.
 */
export function toDeadLetterRecord(message: IncomingMessage): DeadLetterRecord {
  const headers = message.headers;
  const value = boundValue(message.value);
  return {
    topic: message.topic,
    originalTopic:
      nonEmpty(headers[DEAD_LETTER_HEADERS.originalTopic]) ??
      originalTopicOf(message.topic) ??
      message.topic,
    originalPartition: parseCount(headers[DEAD_LETTER_HEADERS.originalPartition], 2_147_483_647),
    originalOffset: parseOffset(headers[DEAD_LETTER_HEADERS.originalOffset]),
    key: message.key,
    headers: withoutDeadLetterHeaders(headers),
    value: value.text,
    valueTruncated: value.truncated || headers[DEAD_LETTER_HEADERS.valueTruncated] === 'true',
    valueRedacted: headers[DEAD_LETTER_HEADERS.valueRedacted] === 'true',
    bytesReplaced: message.bytesReplaced === true,
    reason: nonEmpty(headers[DEAD_LETTER_HEADERS.reason]) ?? UNKNOWN_REASON,
    failedAt: parseTime(headers[DEAD_LETTER_HEADERS.failedAt]),
  };
}

/** The headers without the ones a dead-lettering added. */
export function withoutDeadLetterHeaders(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !DEAD_LETTER_HEADER_NAMES.has(name)),
  );
}

/** The coordinates of a dead letter that decide where it may be replayed. */
export interface DeadLetterOrigin {
  /** The dead-letter topic it was read from (the broker says so, not its writer). */
  readonly topic: string;
  /** The original topic it was recorded with (its `dlq-original-topic` header, when it had one). */
  readonly originalTopic: string;
}

/**
 * Why the dead letter cannot be replayed where it was recorded to come from, or undefined when
 * it can: a replay goes only to the topic its dead-letter topic belongs to. Whoever may write a
 * dead-letter topic (a participant, its own) chooses the `dlq-original-topic` header; a replay
 * to the topic that header named would publish there with the coordinator's credentials.
 */
export function replayTopicProblem(deadLetter: DeadLetterOrigin): string | undefined {
  const origin = originalTopicOf(deadLetter.topic);
  if (origin === undefined) {
    return `it was read from ${deadLetter.topic}, which is the dead-letter topic (<topic>.dlq) of no topic`;
  }
  if (origin === deadLetter.originalTopic) return undefined;
  return (
    `its dlq-original-topic header names ${deadLetter.originalTopic}, but it was read from ` +
    `${deadLetter.topic}, the dead-letter topic of ${origin}: a dead letter is replayed to the ` +
    'topic its dead-letter topic belongs to only'
  );
}

/**
 * What a replay publishes: the original key, value and headers, to the topic the dead-letter
 * topic belongs to. Throws DeadLetterNotReplayableError when that is not the recorded original
 * topic (see replayTopicProblem).
 */
export function toReplayMessage(
  record: DeadLetterOrigin & {
    readonly key: string | null;
    readonly headers: Readonly<Record<string, string>>;
    readonly value: string | null;
  },
): OutgoingMessage {
  const problem = replayTopicProblem(record);
  if (problem !== undefined) {
    throw new DeadLetterNotReplayableError(`the dead letter cannot be replayed: ${problem}`);
  }
  return {
    topic: record.originalTopic,
    key: record.key ?? '',
    headers: withoutDeadLetterHeaders(record.headers),
    value: record.value ?? '',
  };
}

/** The value cut to MAX_DEAD_LETTER_VALUE_BYTES (on a character boundary) when longer. */
export function boundValue(
  value: string | null,
  maxBytes = MAX_DEAD_LETTER_VALUE_BYTES,
): { text: string | null; truncated: boolean } {
  if (value === null || Buffer.byteLength(value, 'utf8') <= maxBytes) {
    return { text: value, truncated: false };
  }
  // Decoding a cut buffer may end in a replacement character: drop it rather than keep half a character.
  const cut = Buffer.from(value, 'utf8').subarray(0, maxBytes).toString('utf8');
  return { text: cut.replace(/\uFFFD$/, ''), truncated: true };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function parseCount(value: string | undefined, max: number): number | null {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return null;
  const count = Number(value);
  return count <= max ? count : null;
}

function parseOffset(value: string | undefined): string | null {
  if (value === undefined || !/^\d{1,19}$/.test(value)) return null;
  return BigInt(value) <= 9_223_372_036_854_775_807n ? BigInt(value).toString() : null;
}

/**
 * The time a header gives, or null when it gives none Postgres stores: Date reads `10000`, `0`
 * or `-1` as years 10000, 0 and -1 (ISO strings `+010000-…`, `0000-…`), which a timestamptz
 * refuses, failing the whole batch's insert for ever.
 */
function parseTime(value: string | undefined): string | null {
  if (value === undefined) return null;
  const time = new Date(value);
  const year = time.getUTCFullYear();
  return Number.isNaN(year) || year < 1 || year > 9999 ? null : time.toISOString();
}
