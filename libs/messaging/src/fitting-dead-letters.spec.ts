import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '#contracts';
import { strippedDeadLetter, sendFittingDeadLetters } from './fitting-dead-letters.js';

const TOO_LARGE = Object.assign(new Error('The request included a message larger than the max'), {
  type: 'MESSAGE_TOO_LARGE',
});

function deadLetter(offset: number, value: string, key = 'saga-1'): Message {
  return {
    key,
    value,
    headers: {
      traceparent: '00-abc-def-01',
      [DEAD_LETTER_HEADERS.reason]: 'reply fails validation: status',
      [DEAD_LETTER_HEADERS.originalTopic]: 'saga.replies',
      [DEAD_LETTER_HEADERS.originalPartition]: '2',
      [DEAD_LETTER_HEADERS.originalOffset]: String(offset),
      [DEAD_LETTER_HEADERS.failedAt]: '2026-11-28T12:00:00.000Z',
    },
  };
}

/** Bytes the broker would count of a record: key, value, header names and values. */
function size(record: Message): number {
  let bytes = String(record.key ?? '').length + String(record.value ?? '').length;
  for (const [name, value] of Object.entries(record.headers ?? {}))
    bytes += name.length + String(value).length;
  return bytes;
}

/** A broker taking at most `limit` bytes per request (one partition: one batch). */
function broker(limit: number) {
  const accepted: Message[] = [];
  const requests: number[] = [];
  const send = async (_topic: string, records: readonly Message[]) => {
    requests.push(records.length);
    if (records.reduce((sum, record) => sum + size(record), 0) > limit) throw TOO_LARGE;
    accepted.push(...records);
  };
  return { send, accepted, requests };
}

describe('dead letters sent so that their size never holds a partition up', () => {
  it('sends them as they are when the broker takes them', async () => {
    const { send, accepted, requests } = broker(10_000);
    const records = [1, 2, 3].map((offset) => deadLetter(offset, 'x'.repeat(100)));
    await sendFittingDeadLetters(send, 'saga.replies.dlq', records);
    expect(requests).toEqual([3]);
    expect(accepted).toEqual(records);
  });

  it('sends a batch refused as too large again in halves, every record once and in order', async () => {
    const { send, accepted, requests } = broker(1_000);
    const records = [1, 2, 3, 4, 5].map((offset) => deadLetter(offset, 'x'.repeat(300)));
    await sendFittingDeadLetters(send, 'saga.replies.dlq', records);
    expect(accepted).toEqual(records);
    expect(requests).toEqual([5, 3, 2, 1, 2]);
  });

  it('sends a record still too large alone, stripped: why and where, and no value nor original headers', async () => {
    const { send, accepted } = broker(1_000);
    const fitting = deadLetter(1, 'small');
    const huge = deadLetter(2, 'x'.repeat(5_000));
    await sendFittingDeadLetters(send, 'saga.replies.dlq', [fitting, huge]);
    expect(accepted).toEqual([
      fitting,
      {
        key: 'saga-1',
        value: null,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: 'reply fails validation: status',
          [DEAD_LETTER_HEADERS.originalTopic]: 'saga.replies',
          [DEAD_LETTER_HEADERS.originalPartition]: '2',
          [DEAD_LETTER_HEADERS.originalOffset]: '2',
          [DEAD_LETTER_HEADERS.failedAt]: '2026-11-28T12:00:00.000Z',
          [DEAD_LETTER_HEADERS.valueTruncated]: 'true',
        },
      },
    ]);
  });

  it('leaves the key out too when the record stripped with it is still too large', async () => {
    const { send, accepted } = broker(1_000);
    await sendFittingDeadLetters(send, 'saga.replies.dlq', [deadLetter(3, 'v', 'k'.repeat(2_000))]);
    expect(accepted).toEqual([strippedDeadLetter(deadLetter(3, 'v'), { keepKey: false })]);
    expect(accepted[0]?.key).toBeNull();
  });

  it('cuts the reason short as a last resort, and tells of each record sent stripped', async () => {
    const { send, accepted } = broker(400);
    const long = deadLetter(4, 'v', 'k'.repeat(1_000));
    long.headers![DEAD_LETTER_HEADERS.reason] = 'r'.repeat(1_000);
    const stripped: Message[] = [];
    await sendFittingDeadLetters(send, 'saga.replies.dlq', [long], (record) =>
      stripped.push(record),
    );
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.key).toBeNull();
    expect(accepted[0]?.headers?.[DEAD_LETTER_HEADERS.reason]).toBe(`${'r'.repeat(99)}…`);
    expect(accepted[0]?.headers?.[DEAD_LETTER_HEADERS.originalOffset]).toBe('4');
    expect(stripped).toEqual([long]);
  });

  it('throws any other failure as it is, for the caller to retry the whole', async () => {
    const down = new Error('Connection error: ECONNREFUSED');
    let calls = 0;
    const send = async () => {
      calls += 1;
      throw down;
    };
    await expect(
      sendFittingDeadLetters(send, 'saga.replies.dlq', [deadLetter(1, 'x'), deadLetter(2, 'y')]),
    ).rejects.toBe(down);
    expect(calls).toBe(1);
  });
});
