import type { OutgoingMessage } from '#saga-core';
import { MERGED_REPLY_LIMITS, mergingPublisher } from './merged-replies.js';

const reply = (value: string, topic = 'saga.replies'): OutgoingMessage => ({
  topic,
  key: 'saga-1',
  headers: {},
  value,
});

/** A publisher that records each publish and fails those holding a value in `refused`. */
function recordingPublisher(refused: (value: string) => Error | undefined = () => undefined) {
  const published: string[][] = [];
  return {
    published,
    publish: async (messages: readonly OutgoingMessage[]) => {
      published.push(messages.map((m) => m.value));
      const error = messages.map((m) => refused(m.value)).find((e) => e !== undefined);
      if (error) throw error;
    },
  };
}

describe('mergingPublisher', () => {
  it('publishes what one turn of the event loop hands in at once, each caller after the earlier', async () => {
    const inner = recordingPublisher();
    const merged = mergingPublisher(inner);
    await Promise.all([
      merged.publish([reply('a1'), reply('a2')]),
      merged.publish([reply('b1', 'saga.events')]),
      merged.publish([reply('c1')]),
    ]);
    expect(inner.published).toEqual([['a1', 'a2', 'b1', 'c1']]);
  });

  it('publishes what later turns hand in apart, and nothing for an empty publish', async () => {
    const inner = recordingPublisher();
    const merged = mergingPublisher(inner);
    await merged.publish([reply('a')]);
    await merged.publish([]);
    await merged.publish([reply('b')]);
    expect(inner.published).toEqual([['a'], ['b']]);
  });

  it('fails only the caller whose own batch cannot be published', async () => {
    const tooLarge = new Error('MESSAGE_TOO_LARGE');
    const inner = recordingPublisher((value) => (value === 'huge' ? tooLarge : undefined));
    const merged = mergingPublisher(inner);
    const outcomes = await Promise.allSettled([
      merged.publish([reply('a')]),
      merged.publish([reply('huge')]),
      merged.publish([reply('c')]),
    ]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: undefined },
      { status: 'rejected', reason: tooLarge },
      { status: 'fulfilled', value: undefined },
    ]);
    expect(inner.published).toEqual([['a', 'huge', 'c'], ['a'], ['huge'], ['c']]);
  });

  it('fails every caller when no batch can be published (the broker is gone)', async () => {
    const gone = new Error('Connection error');
    const merged = mergingPublisher(recordingPublisher(() => gone));
    const outcomes = await Promise.allSettled([
      merged.publish([reply('a')]),
      merged.publish([reply('b')]),
    ]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: gone },
      { status: 'rejected', reason: gone },
    ]);
  });

  it('publishes a group early once the next batch would take it past its limits', async () => {
    const inner = recordingPublisher();
    const merged = mergingPublisher(inner);
    const many = Array.from({ length: MERGED_REPLY_LIMITS.messages - 1 }, (_, i) => reply(`${i}`));
    const large = 'x'.repeat(MERGED_REPLY_LIMITS.units);
    await Promise.all([
      merged.publish(many),
      merged.publish([reply('a'), reply('b')]),
      merged.publish([reply(large)]),
      merged.publish([reply('c')]),
    ]);
    expect(inner.published.map((values) => values.length)).toEqual([
      MERGED_REPLY_LIMITS.messages - 1,
      2,
      1,
      1,
    ]);
    expect(inner.published[2]).toEqual([large]);
  });
});
