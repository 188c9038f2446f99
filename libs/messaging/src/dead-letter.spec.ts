import { DEAD_LETTER_HEADERS } from '#contracts';
import {
  InvalidBatchOutcomeError,
  MAX_DEAD_LETTER_REASON_LENGTH,
  deadLetterHeaders,
  deadLetterTopic,
  matchDeadLetters,
} from './dead-letter.js';
import type { BatchOutcome, IncomingMessage } from '#saga-core';

const message = (value: string): IncomingMessage => ({
  topic: 'saga.replies',
  key: 'saga-1',
  headers: {},
  value,
});

describe('dead letters', () => {
  it('go to <topic>.dlq, as the wire contract names it', () => {
    expect(deadLetterTopic('dev.saga.replies')).toBe('dev.saga.replies.dlq');
  });

  it('carry the reason, the original topic, partition and offset, and the failure time', () => {
    expect(
      deadLetterHeaders({
        topic: 'saga.replies',
        partition: 3,
        offset: '42',
        reason: 'bad',
        failedAt: new Date('2026-11-28T10:00:00Z'),
      }),
    ).toEqual({
      [DEAD_LETTER_HEADERS.reason]: 'bad',
      [DEAD_LETTER_HEADERS.originalTopic]: 'saga.replies',
      [DEAD_LETTER_HEADERS.originalPartition]: '3',
      [DEAD_LETTER_HEADERS.originalOffset]: '42',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-11-28T10:00:00.000Z',
    });
  });

  it('cut an overlong reason', () => {
    const headers = deadLetterHeaders({
      topic: 't',
      partition: 0,
      offset: '0',
      reason: 'x'.repeat(5_000),
      failedAt: new Date(0),
    });
    expect(headers[DEAD_LETTER_HEADERS.reason]).toHaveLength(MAX_DEAD_LETTER_REASON_LENGTH);
  });
});

describe('matching an outcome with its batch', () => {
  const batch = [message('a'), message('b'), message('c')];

  it('finds the dead letters by identity, in batch order', () => {
    const outcome: BatchOutcome = {
      deadLetters: [
        { message: batch[2]!, reason: 'late' },
        { message: batch[0]!, reason: 'early' },
      ],
    };
    expect(matchDeadLetters(batch, outcome)).toEqual([
      { index: 0, reason: 'early' },
      { index: 2, reason: 'late' },
    ]);
  });

  it.each([
    [
      'a message that is not in the batch',
      { deadLetters: [{ message: message('a'), reason: 'r' }] },
    ],
    [
      'a message twice',
      {
        deadLetters: [
          { message: batch[1]!, reason: 'r' },
          { message: batch[1]!, reason: 'r' },
        ],
      },
    ],
    ['an empty reason', { deadLetters: [{ message: batch[1]!, reason: ' ' }] }],
    ['no deadLetters list', {} as BatchOutcome],
  ])('refuses an outcome with %s', (_, outcome) => {
    expect(() => matchDeadLetters(batch, outcome as BatchOutcome)).toThrow(
      InvalidBatchOutcomeError,
    );
  });
});
