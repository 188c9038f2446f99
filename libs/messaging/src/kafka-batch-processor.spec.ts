import { jest } from '@jest/globals';
import type { EachBatchPayload, KafkaMessage, Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '#contracts';
import {
  createEachBatchHandler,
  HEARTBEATING_HANDLER_MS,
  HOLD_LIMIT_MS,
  nextOffset,
  type BatchProcessorOptions,
} from './kafka-batch-processor.js';
import { recordFromJava } from './java-records.fixture.js';
import { silentTransportLogger } from './transport-logger.js';
import { ConsumerBacklog } from './consumer-backlog.js';
import type { BatchHandler, BatchOutcome, ChunkReport } from '#saga-core';

const NONE: BatchOutcome = { deadLetters: [] };
const FAILED_AT = new Date('2026-11-28T12:00:00.000Z');

function record(
  offset: number,
  value: string,
  headers: KafkaMessage['headers'] = {},
): KafkaMessage {
  return {
    key: Buffer.from('saga-1'),
    value: Buffer.from(value),
    headers,
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  } as unknown as KafkaMessage;
}

/** A kafkajs eachBatch payload that writes down what the handler does with it. */
function fakePayload(
  messages: KafkaMessage[],
  topic = 'saga.replies',
  partition = 2,
  highWatermark = nextOffset(messages.at(-1)?.offset ?? '-1'),
) {
  const events: string[] = [];
  const state = {
    running: true,
    stale: false,
    heartbeatError: undefined as Error | undefined,
    commitError: undefined as Error | undefined,
  };
  const payload = {
    batch: { topic, partition, messages, highWatermark },
    resolveOffset: (offset: string) => events.push(`resolve ${offset}`),
    heartbeat: async () => {
      events.push('heartbeat');
      if (state.heartbeatError) throw state.heartbeatError;
    },
    pause: () => {
      events.push('pause');
      return () => undefined;
    },
    commitOffsetsIfNecessary: async (offsets?: {
      topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    }) => {
      if (state.commitError) throw state.commitError;
      for (const t of offsets?.topics ?? []) {
        for (const p of t.partitions) events.push(`commit ${t.topic}/${p.partition}@${p.offset}`);
      }
    },
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => state.running,
    isStale: () => state.stale,
  };
  return { payload: payload as unknown as EachBatchPayload, events, state };
}

function processor(overrides: Partial<BatchProcessorOptions> & { handleBatch: BatchHandler }) {
  const sent: { topic: string; records: readonly Message[] }[] = [];
  const delays: number[] = [];
  const stop = new AbortController();
  const options: BatchProcessorOptions = {
    groupId: 'coordinator',
    maxBatchSize: 100,
    retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000 },
    heartbeatIntervalMs: 3_000,
    sendDeadLetters: async (topic, records) => {
      sent.push({ topic, records });
    },
    isPaused: () => false,
    waitForResume: async (ms) => void delays.push(ms),
    stopSignal: stop.signal,
    delay: async (ms) => {
      delays.push(ms);
      return !stop.signal.aborted;
    },
    now: () => FAILED_AT,
    logger: silentTransportLogger,
    ...overrides,
  };
  return { eachBatch: createEachBatchHandler(options), sent, delays, stop };
}

describe('the kafkajs eachBatch handler', () => {
  it('hands the batch over, then resolves and commits the offset after its last message', async () => {
    const handed: (string | null)[][] = [];
    const { eachBatch } = processor({
      handleBatch: async (messages) => {
        handed.push(messages.map((m) => m.value));
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(7, 'a'), record(8, 'b')]);

    await eachBatch(payload);

    expect(handed).toEqual([['a', 'b']]);
    expect(events).toEqual(['resolve 8', 'commit saga.replies/2@9', 'heartbeat']);
  });

  it("keeps the backlog: a fetch counts up to the log's end, each handled chunk counts down", async () => {
    const reports: number[] = [];
    const seenByHandler: number[] = [];
    const backlog = new ConsumerBacklog(({ messages }) => reports.push(messages));
    backlog.assigned({ 'saga.replies': [2] });
    const { eachBatch } = processor({
      maxBatchSize: 2,
      backlog,
      handleBatch: async () => {
        seenByHandler.push(reports.at(-1)!);
        return NONE;
      },
    });
    // Offsets 4..8 fetched while the log ends before 12: 8 messages to go, 3 of them unfetched.
    const fetched = [4, 5, 6, 7, 8].map((n) => record(n, `v${n}`));

    await eachBatch(fakePayload(fetched, 'saga.replies', 2, '12').payload);

    // A chunk still counts while its handler runs: 8, 6 and 4 before each of the three.
    expect(seenByHandler).toEqual([8, 6, 4]);
    expect(reports).toEqual([0, 8, 6, 4, 3]);
  });

  it('counts a resolved chunk down even when its commit fails (kafkajs fetches on from it)', async () => {
    const reports: number[] = [];
    const backlog = new ConsumerBacklog(({ messages }) => reports.push(messages));
    backlog.assigned({ 'saga.replies': [2] });
    const { eachBatch } = processor({ backlog, handleBatch: async () => NONE });
    const { payload, state, events } = fakePayload([record(4, 'a'), record(5, 'b')]);
    state.commitError = new Error('request timed out');

    await expect(eachBatch(payload)).rejects.toThrow('request timed out');

    expect(events).toContain('resolve 5');
    expect(reports).toEqual([0, 2, 0]);
  });

  it('with markReplacedBytes, hands every record over, marking those whose key, value or a header is not UTF-8; without, marks none', async () => {
    const badValue = { ...record(2, ''), value: Buffer.from([0x7b, 0xff, 0x7d]) } as KafkaMessage;
    const badKey = { ...record(3, 'k'), key: Buffer.from([0xc3, 0x28]) } as KafkaMessage;
    const badHeader = record(4, 'h', { 'x-h': [Buffer.from('fine'), Buffer.from([0xff])] });
    const handedWith = async (markReplacedBytes: boolean) => {
      const handed: { value: string | null; bytesReplaced?: boolean }[] = [];
      const { eachBatch } = processor({
        markReplacedBytes,
        handleBatch: async (messages) => {
          handed.push(...messages.map(({ value, bytesReplaced }) => ({ value, bytesReplaced })));
          return NONE;
        },
      });
      await eachBatch(fakePayload([record(1, 'a'), badValue, badKey, badHeader]).payload);
      return handed;
    };

    expect(await handedWith(true)).toEqual([
      { value: 'a', bytesReplaced: undefined },
      { value: '{\ufffd}', bytesReplaced: true },
      { value: 'k', bytesReplaced: true },
      { value: 'h', bytesReplaced: true },
    ]);
    expect((await handedWith(false)).map(({ bytesReplaced }) => bytesReplaced)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('with requireUtf8, dead-letters records whose key, value or contract header is not UTF-8, and hands the others over without their other headers that are not', async () => {
    const handed: (string | null)[][] = [];
    const headersOf = new Map<string | null, Record<string, string>>();
    const { eachBatch, sent } = processor({
      requireUtf8: true,
      handleBatch: async (messages) => {
        handed.push(messages.map((m) => m.value));
        for (const m of messages) headersOf.set(m.value, m.headers);
        return {
          deadLetters: messages
            .filter((m) => m.value === 'bad')
            .map((message) => ({ message, reason: 'invalid' })),
        };
      },
    });
    const badValue = { ...record(2, ''), value: Buffer.from([0x7b, 0xff, 0x7d]) } as KafkaMessage;
    const badKey = { ...record(3, 'k'), key: Buffer.from([0xc3, 0x28]) } as KafkaMessage;
    const badHeader = record(5, 'h', { 'x-h': Buffer.from([0xed, 0xa0, 0x80]) });
    const nul = record(6, 'nul\u0000 is valid UTF-8');
    const badContractHeader = record(9, 'c', { 'saga-message-id': Buffer.from([0xff]) });
    // A header given more than once: its last value counts, not text here.
    const badRepeated = record(7, 'r', { 'x-r': [Buffer.from('fine'), Buffer.from([0xff])] });
    const goodRepeated = record(8, 'g', { 'x-r': [Buffer.from('fine'), Buffer.from('é')] });
    const { payload, events } = fakePayload([
      record(1, 'a'),
      badValue,
      badKey,
      record(4, 'bad'),
      badHeader,
      nul,
      badRepeated,
      goodRepeated,
      badContractHeader,
    ]);

    await eachBatch(payload);

    expect(handed).toEqual([['a', 'bad', 'h', 'nul\u0000 is valid UTF-8', 'r', 'g']]);
    // A producer's own binary header no longer costs the message: it is left out.
    expect(headersOf.get('h')).toEqual({});
    expect(headersOf.get('r')).toEqual({});
    expect(headersOf.get('g')).toEqual({ 'x-r': 'é' });
    const reasons = sent[0]!.records.map((r) => [
      (r.headers as Record<string, string>)[DEAD_LETTER_HEADERS.originalOffset],
      (r.headers as Record<string, string>)[DEAD_LETTER_HEADERS.reason],
    ]);
    expect(reasons).toEqual([
      ['2', 'the value is not valid UTF-8'],
      ['3', 'the key is not valid UTF-8'],
      ['4', 'invalid'],
      ['9', 'header saga-message-id is not valid UTF-8'],
    ]);
    // The bytes are kept as they came.
    expect(sent[0]!.records[0]!.value).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(events).toContain('commit saga.replies/2@10');

    const only = processor({
      requireUtf8: true,
      handleBatch: async () => {
        throw new Error('not called');
      },
    });
    await only.eachBatch(fakePayload([badValue]).payload);
    expect(only.sent[0]!.records).toHaveLength(1);
  });

  it('dead-letters a record that is not UTF-8 with its value redacted when told how', async () => {
    const redacted: (string | null)[] = [];
    const { eachBatch, sent } = processor({
      requireUtf8: true,
      redactDeadLetter: (message) => {
        redacted.push(message.value);
        return '{"input":{"cardToken":"[REDACTED]"}}';
      },
      handleBatch: async () => NONE,
    });
    // A fine body, a key that is not UTF-8: what the body carries is redacted all the same.
    const badKey = {
      ...record(9, '{"input":{"cardToken":"tok_4111"}}'),
      key: Buffer.from([0xff]),
    } as KafkaMessage;
    await eachBatch(fakePayload([badKey]).payload);
    expect(redacted).toEqual(['{"input":{"cardToken":"tok_4111"}}']);
    const [letter] = sent[0]!.records;
    expect(String(letter!.value)).toBe('{"input":{"cardToken":"[REDACTED]"}}');
    expect(String(letter!.headers?.['dlq-value-redacted'])).toBe('true');
  });

  it('dead-letters a record that is not UTF-8 without its value when redacting it throws, and goes on', async () => {
    const { eachBatch, sent } = processor({
      requireUtf8: true,
      redactDeadLetter: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
      handleBatch: async () => NONE,
    });
    const badKey = { ...record(9, '{"input":{}}'), key: Buffer.from([0xff]) } as KafkaMessage;
    const { payload, events } = fakePayload([badKey]);

    await eachBatch(payload);

    const [letter] = sent[0]!.records;
    expect(letter!.value).toBeNull();
    expect(String(letter!.headers?.['dlq-value-redacted'])).toBe('true');
    expect(events).toContain('commit saga.replies/2@10');
  });

  it('hands over a record whose header has no value (kafkajs decodes it as null) as if it had no such header', async () => {
    const handed: Record<string, string>[] = [];
    const { eachBatch, sent } = processor({
      requireUtf8: true,
      // The bytes of each batch are counted too, null headers with them.
      waitUnderLoad: { fromRecordsPerSecond: 1_000, minBytes: 1, maxWaitMs: 10 },
      handleBatch: async (messages) => {
        handed.push(...messages.map((m) => m.headers));
        return NONE;
      },
    });
    const nulls = recordFromJava(4, 'a', [
      ['traceparent', null],
      ['saga-id', 's-1'],
      ['saga-id', null], // repeated: its last value that is one
      ['nothing', null],
    ]);
    expect(nulls.headers).toEqual({
      traceparent: null,
      'saga-id': [Buffer.from('s-1'), null],
      nothing: null,
    });
    const { payload, events } = fakePayload([nulls, record(5, 'b')]);

    await eachBatch(payload);

    expect(handed).toEqual([{ 'saga-id': 's-1' }, {}]);
    expect(sent).toEqual([]);
    expect(events).toContain('commit saga.replies/2@6');
  });

  it('dead-letters a record it cannot read, with the reason, and goes on past it', async () => {
    const handed: (string | null)[] = [];
    const refusals: [string, number][] = [];
    const { eachBatch, sent } = processor({
      onRefused: (topic, count) => refusals.push([topic, count]),
      handleBatch: async (messages) => {
        handed.push(...messages.map((m) => m.value));
        return NONE;
      },
    });
    // No kafkajs decoder makes this: it stands for any record that throws as it is mapped.
    const unreadable = record(8, 'u', { odd: 7 } as unknown as KafkaMessage['headers']);
    const { payload, events } = fakePayload([record(7, 'a'), unreadable, record(9, 'b')]);

    await eachBatch(payload);

    expect(handed).toEqual(['a', 'b']);
    const [letter] = sent[0]!.records;
    const headers = letter!.headers as Record<string, string>;
    expect(headers[DEAD_LETTER_HEADERS.originalOffset]).toBe('8');
    expect(headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^the record cannot be read: RangeError/);
    expect(String(letter!.value)).toBe('u');
    expect(refusals).toEqual([['saga.replies', 1]]);
    expect(events).toContain('commit saga.replies/2@10');

    // Where values are redacted, one that could not be read goes without its value.
    const redacting = processor({ redactDeadLetter: () => '{}', handleBatch: async () => NONE });
    await redacting.eachBatch(fakePayload([unreadable]).payload);
    const [redacted] = redacting.sent[0]!.records;
    expect(redacted!.value).toBeNull();
    expect(String(redacted!.headers?.['dlq-value-redacted'])).toBe('true');
  });

  it("tells onRefused, once they are sent, how many records it dead-lettered itself, never the handler's", async () => {
    const told: string[] = [];
    let publishes = 0;
    const { eachBatch } = processor({
      requireUtf8: true,
      sendDeadLetters: async (_topic, records) => {
        publishes += 1;
        if (publishes === 1) throw new Error('broker unavailable');
        told.push(`sent ${records.length}`);
      },
      onRefused: (topic, count) => told.push(`refused ${count} of ${topic}`),
      handleBatch: async (messages) => ({
        deadLetters: messages
          .filter((m) => m.value === 'bad')
          .map((message) => ({ message, reason: 'invalid' })),
      }),
    });
    const notText = { ...record(2, ''), value: Buffer.from([0xff]) } as KafkaMessage;

    await eachBatch(fakePayload([record(1, 'a'), notText, record(3, 'bad')]).payload);

    // The failed publish is retried: told once, after the dead letters went out.
    expect(told).toEqual(['sent 2', 'refused 1 of saga.replies']);
  });

  it('gives the handler the messages without partition or offset', async () => {
    let seen: unknown;
    const { eachBatch } = processor({
      handleBatch: async (messages) => {
        seen = messages;
        return NONE;
      },
    });
    await eachBatch(fakePayload([record(0, '{"x":1}', { 'saga-id': Buffer.from('s-1') })]).payload);
    expect(seen).toEqual([
      { topic: 'saga.replies', key: 'saga-1', headers: { 'saga-id': 's-1' }, value: '{"x":1}' },
    ]);
  });

  it('cuts a large batch into chunks, committing and heartbeating after each', async () => {
    const sizes: number[] = [];
    const { eachBatch } = processor({
      maxBatchSize: 2,
      handleBatch: async (messages) => {
        sizes.push(messages.length);
        return NONE;
      },
    });
    const { payload, events } = fakePayload([0, 1, 2, 3, 4].map((n) => record(n, `v${n}`)));

    await eachBatch(payload);

    expect(sizes).toEqual([2, 2, 1]);
    expect(events.filter((e) => e.startsWith('commit'))).toEqual([
      'commit saga.replies/2@2',
      'commit saga.replies/2@4',
      'commit saga.replies/2@5',
    ]);
  });

  it('heartbeats while a slow handler runs, so that the member keeps its partitions', async () => {
    // Only the interval clocks: the handler's promises run as usual.
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'performance', 'Date'],
    });
    try {
      let finish = (): void => undefined;
      const { eachBatch } = processor({
        heartbeatIntervalMs: 3_000,
        handleBatch: () => new Promise<BatchOutcome>((resolve) => (finish = () => resolve(NONE))),
      });
      const { payload, events } = fakePayload([record(0, 'a')]);
      const handling = eachBatch(payload);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(events).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
      // Taken for hung past HEARTBEATING_HANDLER_MS: the heartbeats stop.
      await jest.advanceTimersByTimeAsync(HEARTBEATING_HANDLER_MS);
      const beats = HEARTBEATING_HANDLER_MS / 3_000;
      expect(events).toEqual(Array.from({ length: beats }, () => 'heartbeat'));
      finish();
      await handling;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(events.slice(beats)).toEqual(['resolve 0', 'commit saga.replies/2@1', 'heartbeat']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries the same messages after a failure, with growing back-off and heartbeats, and commits only after success', async () => {
    const handed: (string | null)[][] = [];
    const { eachBatch, delays } = processor({
      heartbeatIntervalMs: 150,
      handleBatch: async (messages) => {
        handed.push(messages.map((m) => m.value));
        if (handed.length < 3) throw new Error('database unavailable');
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(3, 'a'), record(4, 'b')]);

    await eachBatch(payload);

    expect(handed).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    // 100 ms, then 200 ms cut into heartbeat-sized slices.
    expect(delays).toEqual([100, 150, 50]);
    expect(events).toEqual([
      'heartbeat',
      'heartbeat',
      'heartbeat',
      'resolve 4',
      'commit saga.replies/2@5',
      'heartbeat',
    ]);
  });

  it('treats an outcome naming a message that is not in the batch as a failure, never as a skip', async () => {
    let calls = 0;
    const { eachBatch } = processor({
      handleBatch: async (messages) => {
        calls += 1;
        if (calls === 1) {
          return {
            deadLetters: [{ message: { ...messages[0]! }, reason: 'copy, not the object' }],
          };
        }
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(0, 'a')]);
    await eachBatch(payload);
    expect(calls).toBe(2);
    expect(events).toContain('commit saga.replies/2@1');
  });

  it('publishes dead letters with their origin before committing, and hands the others over once', async () => {
    const { eachBatch, sent } = processor({
      handleBatch: async (messages) => ({
        deadLetters: [{ message: messages[1]!, reason: 'reply fails validation: status' }],
      }),
    });
    const poison = record(11, 'not json', {
      'saga-message-id': Buffer.from('m-11'),
      traceparent: '00-abc-def-01',
    });
    const { payload, events } = fakePayload([record(10, '{}'), poison, record(12, '{}')]);

    await eachBatch(payload);

    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toBe('saga.replies.dlq');
    const [dead] = sent[0]?.records ?? [];
    expect(dead?.key).toEqual(Buffer.from('saga-1'));
    expect(dead?.value).toEqual(Buffer.from('not json'));
    expect(dead?.headers).toEqual({
      'saga-message-id': Buffer.from('m-11'),
      traceparent: '00-abc-def-01',
      [DEAD_LETTER_HEADERS.reason]: 'reply fails validation: status',
      [DEAD_LETTER_HEADERS.originalTopic]: 'saga.replies',
      [DEAD_LETTER_HEADERS.originalPartition]: '2',
      [DEAD_LETTER_HEADERS.originalOffset]: '11',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-11-28T12:00:00.000Z',
    });
    expect(events).toEqual(['resolve 12', 'commit saga.replies/2@13', 'heartbeat']);
  });

  it('retries a failed dead-letter publish without handing the batch over again', async () => {
    let handled = 0;
    let attempts = 0;
    const { eachBatch } = processor({
      handleBatch: async (messages) => {
        handled += 1;
        return { deadLetters: [{ message: messages[0]!, reason: 'bad' }] };
      },
      sendDeadLetters: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('broker unavailable');
      },
    });
    const { payload, events } = fakePayload([record(0, 'x')]);
    await eachBatch(payload);
    expect(handled).toBe(1);
    expect(attempts).toBe(2);
    expect(events).toContain('commit saga.replies/2@1');
  });

  it('goes on past dead letters the broker refuses as too large: halves, then one stripped, then the commit', async () => {
    const tooLarge = Object.assign(new Error('message too large'), { type: 'MESSAGE_TOO_LARGE' });
    const requests: number[] = [];
    const accepted: Message[] = [];
    const { eachBatch } = processor({
      handleBatch: async (messages) => ({
        deadLetters: messages.map((message) => ({ message, reason: 'bad' })),
      }),
      sendDeadLetters: async (_topic, records) => {
        requests.push(records.length);
        const bytes = records.reduce((sum, record) => sum + (record.value?.length ?? 0), 0);
        if (bytes > 2_500) throw tooLarge;
        accepted.push(...records);
      },
    });
    const messages = [0, 1, 2].map((offset) => record(offset, 'x'.repeat(1_000)));
    messages.push(record(3, 'y'.repeat(3_000)));
    const { payload, events } = fakePayload(messages);

    await eachBatch(payload);

    expect(requests).toEqual([4, 2, 2, 1, 1, 1]);
    expect(accepted.map((dead) => dead.headers?.[DEAD_LETTER_HEADERS.originalOffset])).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);
    expect(accepted[3]?.value).toBeNull();
    expect(accepted[3]?.headers?.[DEAD_LETTER_HEADERS.valueTruncated]).toBe('true');
    expect(events).toEqual(['resolve 3', 'commit saga.replies/2@4', 'heartbeat']);
  });

  it('gives up a failing batch without committing when the consumer stops', async () => {
    const { eachBatch, stop } = processor({
      handleBatch: async () => {
        stop.abort();
        throw new Error('database unavailable');
      },
    });
    const { payload, events } = fakePayload([record(0, 'a')]);
    await eachBatch(payload);
    expect(events.filter((e) => e.startsWith('commit') || e.startsWith('resolve'))).toEqual([]);
  });

  it('finishes the chunk in hand when stopped, then starts no other', async () => {
    const sizes: number[] = [];
    const { eachBatch } = processor({
      maxBatchSize: 1,
      handleBatch: async (messages) => {
        sizes.push(messages.length);
        state.running = false;
        return NONE;
      },
    });
    const { payload, events, state } = fakePayload([record(0, 'a'), record(1, 'b')]);
    await eachBatch(payload);
    expect(sizes).toEqual([1]);
    expect(events).toEqual(['resolve 0', 'commit saga.replies/2@1', 'heartbeat']);
  });

  it('commits nothing for a partition that went stale while the handler ran', async () => {
    const { eachBatch } = processor({
      handleBatch: async () => {
        state.stale = true;
        return NONE;
      },
    });
    const { payload, events, state } = fakePayload([record(0, 'a')]);
    await eachBatch(payload);
    expect(events).toEqual([]);
  });

  it('commits nothing for a batch begun before the consumer joined its group again (kafkajs rejoins mid-fetch)', async () => {
    // kafkajs rejoins from one fetcher while another's batch is still handled: the partition
    // may be another member's by then, and a commit would carry the new generation.
    let joins = 1;
    const { eachBatch } = processor({
      joins: () => joins,
      handleBatch: async () => {
        joins++;
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(0, 'a')]);
    await eachBatch(payload);
    expect(events).toEqual([]);
    // A batch begun after the join commits as usual.
    const next = fakePayload([record(1, 'b')]);
    const { eachBatch: after } = processor({ joins: () => joins, handleBatch: async () => NONE });
    await after(next.payload);
    expect(next.events).toContain('commit saga.replies/2@2');
  });

  it('lets a rebalance reported by a heartbeat propagate after the chunk is committed', async () => {
    const { eachBatch } = processor({ maxBatchSize: 1, handleBatch: async () => NONE });
    const { payload, events, state } = fakePayload([record(0, 'a'), record(1, 'b')]);
    state.heartbeatError = Object.assign(new Error('rebalancing'), {
      type: 'REBALANCE_IN_PROGRESS',
    });
    await expect(eachBatch(payload)).rejects.toThrow('rebalancing');
    expect(events).toEqual(['resolve 0', 'commit saga.replies/2@1', 'heartbeat']);
  });

  it('while paused, holds the batch in hand, heartbeating, and hands it over once resumed', async () => {
    let paused = true;
    const handed: (string | null)[] = [];
    let waits = 0;
    let held = 0;
    const { eachBatch } = processor({
      isPaused: () => paused,
      onHold: () => (held += 1),
      waitForResume: async (ms) => {
        expect(ms).toBe(3_000); // a heartbeat interval at most
        waits += 1;
        if (waits === 3) paused = false; // resumed during the third wait
      },
      handleBatch: async (messages) => {
        handed.push(...messages.map((m) => m.value));
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(0, 'a')]);

    await eachBatch(payload);

    expect(held).toBe(1);
    expect(waits).toBe(3);
    expect(handed).toEqual(['a']);
    // A heartbeat after each wait still paused, then the chunk as usual: kafkajs is never paused.
    expect(events).toEqual([
      'heartbeat',
      'heartbeat',
      'resolve 0',
      'commit saga.replies/2@1',
      'heartbeat',
    ]);
  });

  /** One record handed in while paused, until the wait ends: handler calls, and what kafkajs was told. */
  async function heldBatch(overrides: Partial<BatchProcessorOptions>) {
    let calls = 0;
    const { eachBatch } = processor({
      isPaused: () => true,
      ...overrides,
      handleBatch: async () => {
        calls += 1;
        return NONE;
      },
    });
    const { payload, events } = fakePayload([record(0, 'a')]);
    await eachBatch(payload);
    return { calls, events };
  }

  it('gives up a batch held while paused when the consumer stops, committing nothing', async () => {
    const stop = new AbortController();
    const held = await heldBatch({
      stopSignal: stop.signal,
      waitForResume: async () => stop.abort(),
    });
    expect(held.calls).toBe(0);
    expect(held.events).toEqual([]);
  });

  it('gives up a batch held for HOLD_LIMIT_MS, uncommitted, so that kafkajs fetches it again', async () => {
    const clock = { ms: 0 };
    const waits: number[] = [];
    const held = await heldBatch({
      monotonicNow: () => clock.ms,
      waitForResume: async (ms) => {
        waits.push(ms);
        clock.ms += ms;
      },
    });

    expect(held.calls).toBe(0);
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBe(HOLD_LIMIT_MS);
    // A heartbeat after each wait, a heartbeat interval (3 s) at a time.
    expect(held.events).toEqual(Array.from({ length: HOLD_LIMIT_MS / 3_000 }, () => 'heartbeat'));
  });

  it('commits the chunks of partitions handled at once in one request', async () => {
    const { eachBatch } = processor({ handleBatch: async () => NONE });
    const first = fakePayload([record(4, 'a')], 'saga.replies', 0);
    const second = fakePayload([record(9, 'b')], 'saga.replies', 5);

    await Promise.all([eachBatch(first.payload), eachBatch(second.payload)]);

    // The first partition's payload carried both offsets; the second sent no request.
    expect(first.events).toEqual([
      'resolve 4',
      'commit saga.replies/0@5',
      'commit saga.replies/5@10',
      'heartbeat',
    ]);
    expect(second.events).toEqual(['resolve 9', 'heartbeat']);
  });

  it('counts offsets beyond 2^53 exactly', () => {
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});

describe('the wait for fuller batches under load', () => {
  /** Records of 100-byte values and a 6-byte key: 106 bytes each, as the wait counts them. */
  const records = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => record(from + i, 'x'.repeat(100)));

  /** A processor whose clock starts at 10 s and whose handler takes `handlingMs` of it. */
  function loaded(
    waitUnderLoad: BatchProcessorOptions['waitUnderLoad'],
    handlingMs = 30,
    overrides: Partial<BatchProcessorOptions> = {},
  ) {
    const clock = { ms: 10_000 };
    const made = processor({
      handleBatch: async () => {
        clock.ms += handlingMs;
        return NONE;
      },
      monotonicNow: () => clock.ms,
      ...(waitUnderLoad === undefined ? {} : { waitUnderLoad }),
      ...overrides,
    });
    return { ...made, clock };
  }

  it('fetches again at once while the records come slower than the rate it waits from', async () => {
    const { eachBatch, delays } = loaded({ fromRecordsPerSecond: 21, minBytes: 1, maxWaitMs: 500 });

    await eachBatch(fakePayload(records(20)).payload);

    expect(delays).toEqual([]);
  });

  it('under load, holds the next fetch until minBytes could have come at the current rate', async () => {
    // 20 records of 106 bytes in the last second: 2,120 bytes/s, so 212 bytes take 100 ms, of
    // which the handler took 30.
    const { eachBatch, delays } = loaded({
      fromRecordsPerSecond: 20,
      minBytes: 212,
      maxWaitMs: 500,
    });

    const { payload, events } = fakePayload(records(20));
    await eachBatch(payload);

    expect(delays).toEqual([70]);
    // Committed before the wait; a heartbeat after it.
    expect(events).toEqual(['resolve 19', 'commit saga.replies/2@20', 'heartbeat', 'heartbeat']);
  });

  it('counts every partition and every batch of the last second in the rate', async () => {
    const { eachBatch, delays, clock } = loaded(
      { fromRecordsPerSecond: 20, minBytes: 424, maxWaitMs: 500 },
      0,
    );
    const at = async (ms: number, count: number, partition: number, from: number) => {
      clock.ms = ms;
      await eachBatch(fakePayload(records(count, from), 'saga.replies', partition).payload);
    };

    await at(10_000, 10, 0, 0); // 10 a second: under the rate
    expect(delays).toEqual([]);
    // 20 records of 106 bytes in the last second, over two partitions: 424 bytes take 200 ms.
    await at(10_400, 10, 1, 0);
    expect(delays).toEqual([200]);
    await at(11_000, 5, 0, 10); // the batch of 10 000 forgotten: 15 a second
    expect(delays).toEqual([200]);
    await at(11_399, 5, 1, 10); // the batch of 10 400 still counted: 20 a second
    expect(delays).toEqual([200, 200]);
    await at(11_400, 1, 0, 15); // and now forgotten: 11 a second
    expect(delays).toEqual([200, 200]);
  });

  it('waits at most maxWaitMs from when the batch came in', async () => {
    const { eachBatch, delays } = loaded({
      fromRecordsPerSecond: 1,
      minBytes: 1_000_000,
      maxWaitMs: 50,
    });

    await eachBatch(fakePayload(records(5)).payload);

    expect(delays).toEqual([20]);
  });

  it('does not wait when handling took the whole wait already', async () => {
    const { eachBatch, delays } = loaded(
      { fromRecordsPerSecond: 1, minBytes: 1_000_000, maxWaitMs: 50 },
      50,
    );

    await eachBatch(fakePayload(records(5)).payload);

    expect(delays).toEqual([]);
  });

  it('always waits with a rate of 0 to wait from', async () => {
    const { eachBatch, delays } = loaded(
      { fromRecordsPerSecond: 0, minBytes: 1_000_000, maxWaitMs: 10 },
      0,
    );

    await eachBatch(fakePayload(records(1)).payload);

    expect(delays).toEqual([10]);
  });

  it('never waits longer than maxWaitMs, even when the clock seems to go back', async () => {
    const { eachBatch, delays } = loaded(
      { fromRecordsPerSecond: 1, minBytes: 1_000_000, maxWaitMs: 50 },
      -60_000,
    );

    await eachBatch(fakePayload(records(5)).payload);

    expect(delays).toEqual([50]);
  });

  it('counts keys, values and every header in the bytes', async () => {
    const { eachBatch, delays } = loaded(
      { fromRecordsPerSecond: 1, minBytes: 18, maxWaitMs: 5_000 },
      0,
    );
    const headers = { a: Buffer.from('xyz'), b: ['p', Buffer.from('qq')], c: undefined };
    const message = {
      ...record(0, ''),
      key: null,
      value: null,
      headers,
    } as unknown as KafkaMessage;

    // 9 bytes in the last second (1 + 3, 1 + 1 + 2, 1 + 0): 18 bytes take two seconds.
    await eachBatch(fakePayload([message]).payload);
    expect(delays).toEqual([2_000]);
  });

  it('waits in heartbeat-sized slices, heartbeating after each', async () => {
    const { eachBatch, delays } = loaded(
      { fromRecordsPerSecond: 1, minBytes: 1_000_000, maxWaitMs: 7_000 },
      0,
    );

    const { payload, events } = fakePayload(records(1));
    await eachBatch(payload);

    expect(delays).toEqual([3_000, 3_000, 1_000]);
    expect(events.filter((event) => event === 'heartbeat')).toHaveLength(4);
  });

  it('does not wait once paused, nor for a partition given up', async () => {
    const waitUnderLoad = { fromRecordsPerSecond: 1, minBytes: 1_000_000, maxWaitMs: 50 };
    let pausedNow = false;
    const paused = loaded(waitUnderLoad, 0, {
      isPaused: () => pausedNow,
      handleBatch: async () => {
        pausedNow = true; // paused while the batch was handled
        return NONE;
      },
    });
    await paused.eachBatch(fakePayload(records(5)).payload);

    const given = loaded(waitUnderLoad, 0);
    const stale = fakePayload(records(5));
    stale.state.stale = true;
    await given.eachBatch(stale.payload);

    expect(paused.delays).toEqual([]);
    expect(given.delays).toEqual([]);
  });

  it('never waits without waitUnderLoad', async () => {
    const { eachBatch, delays } = loaded(undefined);

    await eachBatch(fakePayload(records(100)).payload);

    expect(delays).toEqual([]);
  });
});

describe('the kafkajs eachBatch handler, reporting its chunks', () => {
  it('reports each chunk once committed: the age of its messages when handed over, the handler and the commit', async () => {
    const reports: ChunkReport[] = [];
    // Each reading of the monotonic clock is 4 ms after the one before.
    let tick = 0;
    const { eachBatch } = processor({
      maxBatchSize: 2,
      monotonicNow: () => (tick += 4),
      onChunk: (report) => reports.push(report),
      handleBatch: async () => NONE,
    });
    const sentAt = (offset: number, msBefore: number) => ({
      ...record(offset, 'a'),
      timestamp: String(FAILED_AT.getTime() - msBefore),
    });

    await eachBatch(fakePayload([sentAt(1, 30), sentAt(2, 12), sentAt(3, 5)]).payload);

    expect(reports).toEqual([
      { topic: 'saga.replies', agesMs: [30, 12], handleMs: 4, commitMs: 4 },
      { topic: 'saga.replies', agesMs: [5], handleMs: 4, commitMs: 4 },
    ]);
  });

  it('reports nothing for a chunk that is not committed', async () => {
    const reports: ChunkReport[] = [];
    const { eachBatch } = processor({
      onChunk: (report) => reports.push(report),
      handleBatch: async () => NONE,
    });
    const { payload, state } = fakePayload([record(1, 'a')]);
    state.commitError = new Error('refused');

    await expect(eachBatch(payload)).rejects.toThrow('refused');
    expect(reports).toEqual([]);
  });
});

describe('the kafkajs eachBatch handler, reporting what it could not time', () => {
  it('gives no age for a record without a timestamp, and no report for a chunk none of which was handed over', async () => {
    const reports: ChunkReport[] = [];
    const { eachBatch } = processor({
      requireUtf8: true,
      onChunk: (report) => reports.push(report),
      handleBatch: async () => NONE,
    });
    const untimed = { ...record(1, 'a'), timestamp: undefined } as unknown as KafkaMessage;
    await eachBatch(fakePayload([untimed]).payload);
    const notText = { ...record(2, 'b'), value: Buffer.from([0xff, 0xfe]) } as KafkaMessage;
    await eachBatch(fakePayload([notText]).payload);

    expect(reports).toEqual([
      {
        topic: 'saga.replies',
        agesMs: [],
        handleMs: expect.any(Number),
        commitMs: expect.any(Number),
      },
    ]);
  });
});
