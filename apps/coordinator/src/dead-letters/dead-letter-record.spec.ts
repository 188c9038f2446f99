import { DEAD_LETTER_HEADERS, HEADERS } from '#contracts';
import { DeadLetterNotReplayableError } from './dead-letter-errors.js';
import {
  boundValue,
  replayTopicProblem,
  toDeadLetterRecord,
  toReplayMessage,
  UNKNOWN_REASON,
} from './dead-letter-record.js';

const dlqHeaders = {
  [DEAD_LETTER_HEADERS.reason]: 'invalid start request: input.amount: required',
  [DEAD_LETTER_HEADERS.originalTopic]: 'dev.saga.start',
  [DEAD_LETTER_HEADERS.originalPartition]: '2',
  [DEAD_LETTER_HEADERS.originalOffset]: '41',
  [DEAD_LETTER_HEADERS.failedAt]: '2026-11-29T01:00:00.000Z',
};

describe('toDeadLetterRecord', () => {
  it('reads the origin and reason from the dlq headers and keeps the original headers apart', () => {
    const record = toDeadLetterRecord({
      topic: 'dev.saga.start.dlq',
      key: 'order-1',
      headers: { [HEADERS.messageId]: 'm-1', ...dlqHeaders },
      value: '{"sagaType":"order"}',
    });
    expect(record).toEqual({
      topic: 'dev.saga.start.dlq',
      originalTopic: 'dev.saga.start',
      originalPartition: 2,
      originalOffset: '41',
      key: 'order-1',
      headers: { [HEADERS.messageId]: 'm-1' },
      value: '{"sagaType":"order"}',
      valueTruncated: false,
      valueRedacted: false,
      bytesReplaced: false,
      reason: 'invalid start request: input.amount: required',
      failedAt: '2026-11-29T01:00:00.000Z',
    });
  });

  it('tells a value the dead-letterer redacted (not replayable)', () => {
    const record = toDeadLetterRecord({
      topic: 'saga.start.dlq',
      key: 'k',
      headers: { [DEAD_LETTER_HEADERS.valueRedacted]: 'true' },
      value: '{"input":{"card":"[REDACTED]"}}',
    });
    expect(record.valueRedacted).toBe(true);
  });

  it('tells a dead letter that came without its value, too large for its topic (not replayable)', () => {
    const record = toDeadLetterRecord({
      topic: 'saga.replies.dlq',
      key: 'saga-1',
      headers: { ...dlqHeaders, [DEAD_LETTER_HEADERS.valueTruncated]: 'true' },
      value: null,
    });
    expect(record.valueTruncated).toBe(true);
    expect(record.headers).toEqual({});
    expect(record.reason).toBe('invalid start request: input.amount: required');
  });

  it('records a dead letter without dlq headers, its origin taken from the topic name', () => {
    const record = toDeadLetterRecord({
      topic: 'saga.replies.dlq',
      key: null,
      headers: { [DEAD_LETTER_HEADERS.originalOffset]: 'x', [DEAD_LETTER_HEADERS.failedAt]: 'no' },
      value: null,
    });
    expect(record).toMatchObject({
      originalTopic: 'saga.replies',
      originalPartition: null,
      originalOffset: null,
      failedAt: null,
      reason: UNKNOWN_REASON,
      headers: {},
      value: null,
    });
  });

  it('leaves out a failure time Postgres cannot store (years 0, -1, 10000 and beyond)', () => {
    const failedAt = (header: string) =>
      toDeadLetterRecord({
        topic: 't.dlq',
        key: 'k',
        headers: { [DEAD_LETTER_HEADERS.failedAt]: header },
        value: '',
      }).failedAt;
    expect(
      ['10000', '170000', '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z'].map(failedAt),
    ).toEqual([null, null, null, null]);
    expect(failedAt('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(failedAt('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses offsets beyond a bigint and partitions beyond an integer', () => {
    const record = toDeadLetterRecord({
      topic: 't.dlq',
      key: 'k',
      headers: {
        [DEAD_LETTER_HEADERS.originalPartition]: '9999999999',
        [DEAD_LETTER_HEADERS.originalOffset]: '9999999999999999999',
      },
      value: '',
    });
    expect(record).toMatchObject({ originalPartition: null, originalOffset: null });
  });
});

describe('boundValue', () => {
  it('keeps a value within the bound as it is', () => {
    expect(boundValue('héllo', 6)).toEqual({ text: 'héllo', truncated: false });
  });

  it('cuts a longer value on a character boundary and says so', () => {
    // 'é' takes two bytes: a cut in its middle drops it whole.
    expect(boundValue('abcé', 4)).toEqual({ text: 'abc', truncated: true });
  });
});

describe('toReplayMessage', () => {
  it('sends the original key, value and headers, without dlq headers, to the original topic', () => {
    expect(
      toReplayMessage({
        topic: 'saga.start.dlq',
        originalTopic: 'saga.start',
        key: 'order-1',
        headers: { [HEADERS.messageId]: 'm-1', ...dlqHeaders },
        value: '{}',
      }),
    ).toEqual({
      topic: 'saga.start',
      key: 'order-1',
      headers: { [HEADERS.messageId]: 'm-1' },
      value: '{}',
    });
  });

  it('never sends a dead letter where its dlq-original-topic header says, when that is not its dead-letter topic’s origin', () => {
    // A participant may write its own dead-letter topic, and name any topic in the header.
    const forged = toDeadLetterRecord({
      topic: 'dev.payment.commands.dlq',
      key: 'k',
      headers: { ...dlqHeaders, [DEAD_LETTER_HEADERS.originalTopic]: 'dev.saga.start' },
      value: '{"sagaType":"order"}',
    });

    expect(forged).toMatchObject({
      topic: 'dev.payment.commands.dlq',
      originalTopic: 'dev.saga.start', // kept, to be shown
    });
    expect(replayTopicProblem(forged)).toBe(
      'its dlq-original-topic header names dev.saga.start, but it was read from dev.payment.commands.dlq, ' +
        'the dead-letter topic of dev.payment.commands: a dead letter is replayed to the topic its dead-letter topic belongs to only',
    );
    expect(() => toReplayMessage(forged)).toThrow(DeadLetterNotReplayableError);
  });

  it('has nowhere to replay a record read from a topic that is no dead-letter topic', () => {
    const record = toDeadLetterRecord({ topic: 'saga.start', key: null, headers: {}, value: '' });
    expect(replayTopicProblem(record)).toBe(
      'it was read from saga.start, which is the dead-letter topic (<topic>.dlq) of no topic',
    );
    expect(() => toReplayMessage(record)).toThrow(DeadLetterNotReplayableError);
  });
});
