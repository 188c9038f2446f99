import { DEAD_LETTER_HEADERS } from '#contracts';
import type { BatchOutcome, ChunkReport, IncomingMessage } from '#saga-core';
import { partitionForKey } from './partition-for-key.js';
import { InMemoryTransport } from './in-memory-transport.js';

const NONE: BatchOutcome = { deadLetters: [] };

/** A transport whose back-off waits are recorded and take no time. */
function transportWithFakeDelay() {
  const delays: number[] = [];
  const transport = new InMemoryTransport({
    handlerRetry: { initialDelayMs: 10, maxDelayMs: 40 },
    delay: async (ms, signal) => {
      delays.push(ms);
      await Promise.resolve();
      return !signal.aborted;
    },
    now: () => new Date('2026-11-28T09:00:00Z'),
  });
  return { transport, delays };
}

const out = (topic: string, key: string, value: string) => ({ topic, key, headers: {}, value });
const values = (messages: readonly IncomingMessage[]) => messages.map((m) => m.value);

/** A key whose partition among `partitions` is `wanted`. */
function keyFor(wanted: number, partitions: number): string {
  for (let i = 0; ; i += 1)
    if (partitionForKey(`saga-${i}`, partitions) === wanted) return `saga-${i}`;
}

describe('the in-memory consumer', () => {
  it('hands a failed batch over again with capped back-off and commits only after success', async () => {
    const { transport, delays } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 1 }]);
    await transport.publisher.publish([out('t', 'k', 'a'), out('t', 'k', 'b')]);
    const batches: (string | null)[][] = [];
    const committed: number[] = [];
    const consumer = transport.createConsumer();
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => {
        batches.push(values(messages));
        committed.push(transport.broker.committedOffsets('g', 't')[0] ?? -1);
        if (batches.length < 5) throw new Error('database unavailable');
        return NONE;
      },
    });
    await consumer.idle();

    expect(batches).toEqual(Array.from({ length: 5 }, () => ['a', 'b']));
    expect(committed).toEqual([0, 0, 0, 0, 0]);
    expect(delays).toEqual([10, 20, 40, 40]);
    expect(transport.broker.committedOffsets('g', 't')).toEqual([2]);
    await transport.close();
  });

  it('reports its backlog: the records of its partitions not yet handled, in hand or not', async () => {
    const { transport } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 2 }]);
    const reports: number[] = [];
    const owned = new Set<number>();
    const seenByHandler: number[] = [];
    const consumer = transport.createConsumer({ maxBatchSize: 2 });
    consumer.pause();
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async () => {
        seenByHandler.push(reports.at(-1)!);
        return NONE;
      },
      onBacklog: ({ messages, partitions }) => {
        owned.add(partitions);
        reports.push(messages);
      },
    });
    await transport.publisher.publish([
      ...['a', 'b', 'c'].map((value) => out('t', keyFor(0, 2), value)),
      out('t', keyFor(1, 2), 'd'),
    ]);
    await consumer.idle();
    expect(reports.at(-1)).toBe(4); // paused: everything waits

    consumer.resume();
    await consumer.idle();

    expect(seenByHandler).toEqual([4, 2, 1]);
    expect(reports.at(-1)).toBe(0);
    expect([...owned]).toEqual([2]);
    await transport.close();
  });

  it('reports each batch once committed: the age of its records, the handler and the commit', async () => {
    const { transport } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 1 }]);
    const reports: ChunkReport[] = [];
    const consumer = transport.createConsumer({ maxBatchSize: 2 });
    const sent = Date.now();
    await transport.publisher.publish(['a', 'b', 'c'].map((value) => out('t', 'k', value)));
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async () => NONE,
      onChunk: (report) => reports.push(report),
    });
    await consumer.idle();

    expect(reports.map((report) => [report.topic, report.agesMs.length])).toEqual([
      ['t', 2],
      ['t', 1],
    ]);
    for (const { agesMs, handleMs, commitMs } of reports) {
      // Not older than the records: they were published after `sent`.
      for (const age of agesMs) expect(age).toBeLessThanOrEqual(Date.now() - sent);
      for (const age of agesMs) expect(age).toBeGreaterThanOrEqual(0);
      expect(handleMs).toBeGreaterThanOrEqual(0);
      expect(commitMs).toBeGreaterThanOrEqual(0);
    }
    await transport.close();
  });

  it('gives up a batch waiting to be retried when stopped; the group gets it again later', async () => {
    const { transport } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 1 }]);
    await transport.publisher.publish([out('t', 'k', 'a')]);
    const first = transport.createConsumer();
    let stopping: Promise<void> | undefined;
    await first.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async () => {
        stopping ??= first.stop();
        throw new Error('database unavailable');
      },
    });
    await stopping;
    expect(transport.broker.committedOffsets('g', 't')).toEqual([0]);

    const seen: (string | null)[] = [];
    const second = transport.createConsumer();
    await second.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => {
        seen.push(...values(messages));
        return NONE;
      },
    });
    await second.idle();
    expect(seen).toEqual(['a']);
    await transport.close();
  });

  it('does not commit a batch whose partition moved to another member meanwhile; the new owner gets it', async () => {
    const { transport } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 2 }]);
    await transport.publisher.publish([out('t', keyFor(1, 2), 'p1')]);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inHand = false;
    const first = transport.createConsumer();
    await first.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async () => {
        inHand = true;
        await released;
        return NONE;
      },
    });
    while (!inHand) await Promise.resolve();

    const seenBySecond: (string | null)[] = [];
    const second = transport.createConsumer();
    await second.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => {
        seenBySecond.push(...values(messages));
        return NONE;
      },
    });
    await second.idle();
    expect(seenBySecond).toEqual(['p1']);
    release();
    await first.idle();
    expect(transport.broker.committedOffsets('g', 't')).toEqual([0, 1]);
    await transport.close();
  });

  it('keeps retrying a dead letter whose topic is missing, without handing the batch over again', async () => {
    const { transport, delays } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 1 }]);
    await transport.publisher.publish([out('t', 'k', 'poison')]);
    let handled = 0;
    const consumer = transport.createConsumer();
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => {
        handled += 1;
        return { deadLetters: [{ message: messages[0]!, reason: 'not JSON' }] };
      },
    });
    while (delays.length < 2) await Promise.resolve();
    expect(transport.broker.committedOffsets('g', 't')).toEqual([0]);
    await transport.administrator.ensureTopics([{ topic: 't.dlq', partitions: 1 }]);
    await consumer.idle();

    expect(handled).toBe(1);
    const [dead] = transport.broker.records('t.dlq')[0] ?? [];
    expect(dead?.value).toBe('poison');
    expect(dead?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'not JSON',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-11-28T09:00:00.000Z',
    });
    expect(transport.broker.committedOffsets('g', 't')).toEqual([1]);
    await transport.close();
  });

  it('delivers nothing while paused', async () => {
    const { transport } = transportWithFakeDelay();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 1 }]);
    const seen: (string | null)[] = [];
    const consumer = transport.createConsumer();
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => {
        seen.push(...values(messages));
        return NONE;
      },
    });
    consumer.pause();
    await transport.publisher.publish([out('t', 'k', 'a')]);
    await consumer.idle();
    expect(seen).toEqual([]);
    consumer.resume();
    await Promise.resolve();
    await consumer.idle();
    expect(seen).toEqual(['a']);
    await transport.close();
  });
});
