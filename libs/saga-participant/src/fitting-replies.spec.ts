import type { OutgoingMessage } from '#saga-core';
import { publishFittingReplies } from './fitting-replies.js';

const tooLarge = { type: 'RECORD_LIST_TOO_LARGE' };
const message = (value: string): OutgoingMessage => ({
  topic: 'test.saga.replies',
  key: 'saga-1',
  headers: {},
  value,
});

describe('publishFittingReplies', () => {
  it('publishes again in halves, in order, down to the replies that fit', async () => {
    const calls: string[][] = [];
    const publish = async (replies: readonly OutgoingMessage[]) => {
      calls.push(replies.map((reply) => reply.value));
      if (replies.length > 2) throw tooLarge;
    };

    await publishFittingReplies(publish, ['a', 'b', 'c', 'd', 'e'].map(message), () => undefined);

    expect(calls).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['a', 'b', 'c'],
      ['a', 'b'],
      ['c'],
      ['d', 'e'],
    ]);
  });

  it('throws the refusal of a single message that holds no reply envelope, having no stand-in for it', async () => {
    const publish = async () => Promise.reject(tooLarge);
    const onReplaced = () => {
      throw new Error('not replaced');
    };

    await expect(publishFittingReplies(publish, [message('{}')], onReplaced)).rejects.toBe(
      tooLarge,
    );
  });
});
