import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { MessageTransport } from '#messaging';
import type { AccessRefusal, Clock, MessageConsumer, TopicAdministrator } from '#saga-core';
import { Metrics } from '../observability/metrics.js';
import { registerDeadLetterIndexMetrics } from '../observability/dead-letter-index-metrics.js';
import {
  DEAD_LETTER_INDEX_RECHECK_MS,
  DEAD_LETTER_REFUSAL_RETRY_MS,
  DeadLetterIndexConsumer,
} from './dead-letter-index-consumer.js';

const WANTED = ['payment.commands.dlq', 'saga.replies.dlq', 'saga.start.dlq'];

/** What the broker refuses the coordinator: reading the topics of `topics`, or its group. */
interface AccessRules {
  readonly topics: Set<string>;
  group: boolean;
}

/**
 * A fake transport; `consumers` lists what it made, in order. With `existing`, its broker has
 * those topics and its consumers join only when the test says. With `rules`, it has every topic
 * and access rules: a consumer joins at its start, unless it may not use its group, or reads a
 * topic it may not read (it joins, then crashes at its first fetch); then it tells the refusal,
 * as the Kafka adapter does, and stays out.
 */
function fakeTransport({ existing, rules }: { existing?: Set<string>; rules?: AccessRules }) {
  const consumers: { topics: string[]; member: boolean; stopped: boolean }[] = [];
  const administrator = {
    missingTopics: async (topics: readonly string[]) =>
      existing === undefined ? [] : topics.filter((t) => !existing.has(t)),
  } as TopicAdministrator;
  const transport = {
    administrator,
    createConsumer: (): MessageConsumer => {
      const made = { topics: [] as string[], member: false, stopped: false };
      consumers.push(made);
      return {
        start: async (options) => {
          made.topics = [...options.topics];
          if (rules === undefined) return;
          const refusal: AccessRefusal | undefined = rules.group
            ? { scope: 'group', errorType: 'GROUP_AUTHORIZATION_FAILED' }
            : made.topics.some((topic) => rules.topics.has(topic))
              ? { scope: 'topic', errorType: 'TOPIC_AUTHORIZATION_FAILED' }
              : undefined;
          made.member = refusal === undefined;
          if (refusal) queueMicrotask(() => options.onAccessRefused?.(refusal));
        },
        pause: () => undefined,
        resume: () => undefined,
        isMember: () => made.member && !made.stopped,
        stop: async () => void (made.stopped = true),
      };
    },
  } as unknown as MessageTransport;
  return { transport, consumers };
}

describe('the dead-letter index consumer', () => {
  let index: DeadLetterIndexConsumer | undefined;
  const warnings: string[] = [];
  const notes: string[] = [];

  beforeEach(() => {
    warnings.length = 0;
    notes.length = 0;
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      notes.push(String(message));
    });
  });

  afterEach(async () => {
    await index?.stop();
    jest.restoreAllMocks();
  });

  function indexOn(transport: MessageTransport, clock?: Clock): DeadLetterIndexConsumer {
    return new DeadLetterIndexConsumer({
      transport,
      groupId: 'saga-coordinator.dead-letters',
      wantedTopics: () => WANTED,
      handleBatch: async () => ({ deadLetters: [] }),
      recheckMs: 3_600_000, // the test looks itself
      ...(clock && { clock }),
    });
  }

  it('warns once while it stays out of its group, restarts nothing, and says once when it is back', async () => {
    const { transport, consumers } = fakeTransport({ existing: new Set(WANTED) });
    index = indexOn(transport);
    index.start();
    for (let look = 0; look < 5; look++) await index.recheck();

    expect(consumers).toHaveLength(1); // its own supervisor restarts it, not the index
    expect(warnings.filter((w) => w.includes('out of its consumer group'))).toHaveLength(1);

    consumers[0]!.member = true;
    await index.recheck();
    await index.recheck();

    expect(notes.filter((n) => n.includes('back in its consumer group'))).toHaveLength(1);
    expect(index.status()).toEqual({ member: true, topics: WANTED, leftOut: [] });
  });

  it('reads the topics left after one is deleted, warns once, and reads it again once it is back', async () => {
    const existing = new Set(WANTED);
    const { transport, consumers } = fakeTransport({ existing });
    index = indexOn(transport);
    index.start();
    await index.recheck();
    consumers[0]!.member = true;
    const metrics = new Metrics({ defaultMetrics: false });
    registerDeadLetterIndexMetrics(metrics.registry, () => index!.status());

    existing.delete('payment.commands.dlq');
    consumers[0]!.member = false; // its consumer crashed on the deleted topic
    for (let look = 0; look < 3; look++) await index.recheck();

    expect(consumers.map((c) => [c.topics, c.stopped])).toEqual([
      [WANTED, true],
      [['saga.replies.dlq', 'saga.start.dlq'], false],
    ]);
    expect(warnings.filter((w) => w.includes('leaves out'))).toEqual([
      expect.stringContaining('payment.commands.dlq'),
    ]);
    expect(await metrics.registry.getSingleMetricAsString('saga_dead_letter_index_up')).toContain(
      'saga_dead_letter_index_up 0',
    );
    expect(
      await metrics.registry.getSingleMetricAsString('saga_dead_letter_topics_left_out'),
    ).toContain('saga_dead_letter_topics_left_out 1');

    consumers[1]!.member = true;
    existing.add('payment.commands.dlq');
    await index.recheck();

    expect(consumers.map((c) => c.stopped)).toEqual([true, true, false]);
    expect(consumers[2]!.topics).toEqual(WANTED);
    consumers[2]!.member = true;
    expect(index.status()).toEqual({ member: true, topics: WANTED, leftOut: [] });
    expect(notes).toContain('the dead-letter index reads every dead-letter topic again');
    expect(
      await metrics.registry.getSingleMetricAsString('saga_dead_letter_topics_left_out'),
    ).toContain('saga_dead_letter_topics_left_out 0');
  });

  describe('on a broker that refuses it access', () => {
    let nowMs = 0;
    const clock = { now: () => nowMs };

    /** Looks `times` times, as the rounds would, each after the refusals told before it. */
    async function look(times: number): Promise<void> {
      for (let round = 0; round < times; round++) await index!.recheck();
    }

    it('finds the topic it may not read, leaves it out with one warning, reads the others, and tries it again after a pause', async () => {
      const rules: AccessRules = { topics: new Set(['saga.replies.dlq']), group: false };
      const { transport, consumers } = fakeTransport({ rules });
      index = indexOn(transport, clock);
      const metrics = new Metrics({ defaultMetrics: false });
      registerDeadLetterIndexMetrics(metrics.registry, () => index!.status());
      index.start();
      await look(12);

      const reading = ['payment.commands.dlq', 'saga.start.dlq'];
      expect(index.status()).toEqual({
        member: true,
        topics: reading,
        leftOut: ['saga.replies.dlq'],
      });
      expect(consumers.filter((c) => !c.stopped).map((c) => c.topics)).toEqual([reading]);
      expect(warnings.filter((w) => w.includes('leaves out'))).toEqual([
        expect.stringMatching(/saga\.replies\.dlq.*TOPIC_AUTHORIZATION_FAILED/),
      ]);
      expect(
        await metrics.registry.getSingleMetricAsString('saga_dead_letter_topics_left_out'),
      ).toContain('saga_dead_letter_topics_left_out 1');
      const made = consumers.length;
      expect(made).toBeLessThanOrEqual(6); // a few halvings, no loop
      await look(5);
      expect(consumers).toHaveLength(made);

      // Still refused after the pause: found again, without a second warning.
      nowMs += DEAD_LETTER_REFUSAL_RETRY_MS;
      await look(6);
      expect(index.status()).toEqual({
        member: true,
        topics: reading,
        leftOut: ['saga.replies.dlq'],
      });
      expect(warnings.filter((w) => w.includes('leaves out'))).toHaveLength(1);

      // Granted meanwhile: read again after the next pause.
      rules.topics.clear();
      nowMs += DEAD_LETTER_REFUSAL_RETRY_MS;
      await look(3);
      expect(index.status()).toEqual({ member: true, topics: WANTED, leftOut: [] });
      expect(notes).toContain(
        'the dead-letter index reads dead-letter topic saga.replies.dlq again',
      );
    });

    it('runs no consumer while its group is refused, warns once, and tries again after a pause', async () => {
      const rules: AccessRules = { topics: new Set(), group: true };
      const { transport, consumers } = fakeTransport({ rules });
      index = indexOn(transport, clock);
      index.start();
      await look(5);

      expect(consumers.map((c) => c.stopped)).toEqual([true]);
      expect(index.status()).toEqual({ member: false, topics: [], leftOut: WANTED });
      expect(warnings.filter((w) => w.includes('GROUP_AUTHORIZATION_FAILED'))).toHaveLength(1);

      nowMs += DEAD_LETTER_REFUSAL_RETRY_MS;
      await look(3);
      expect(consumers.map((c) => c.stopped)).toEqual([true, true]);
      expect(warnings.filter((w) => w.includes('GROUP_AUTHORIZATION_FAILED'))).toHaveLength(1);

      rules.group = false;
      nowMs += DEAD_LETTER_REFUSAL_RETRY_MS;
      await look(2);
      expect(index.status()).toEqual({ member: true, topics: WANTED, leftOut: [] });
    });
  });

  it('runs no consumer while none of its topics exists, and asks nothing once all are read', async () => {
    const existing = new Set<string>();
    const { transport, consumers } = fakeTransport({ existing });
    const asked = jest.spyOn(transport.administrator, 'missingTopics');
    index = indexOn(transport);
    index.start();
    await index.recheck();

    expect(consumers).toEqual([]);
    expect(index.status()).toEqual({ member: false, topics: [], leftOut: WANTED });

    WANTED.forEach((topic) => existing.add(topic));
    await index.recheck();
    consumers[0]!.member = true;
    asked.mockClear();
    await index.recheck();

    expect(asked).not.toHaveBeenCalled();
    expect(index.status()).toEqual({ member: true, topics: WANTED, leftOut: [] });
  });

  it('while the broker does not answer, looks one look at a time: a round waits for its look, and rechecks meanwhile share the next one', async () => {
    // A look fails after the admin client's connection retries (~27 s against a broker down).
    const LOOK_MS = 25_000;
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    let brokerUp = false;
    let asked = 0;
    const administrator = {
      missingTopics: (topics: readonly string[]) => {
        asked += 1;
        // Back, every topic still missing: the index reads nothing and goes on looking.
        if (brokerUp) return Promise.resolve([...topics]);
        return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), LOOK_MS));
      },
    } as TopicAdministrator;
    index = new DeadLetterIndexConsumer({
      transport: { administrator } as unknown as MessageTransport,
      groupId: 'saga-coordinator.dead-letters',
      wantedTopics: () => WANTED,
      handleBatch: async () => ({ deadLetters: [] }),
    });
    try {
      const startedAt = Date.now();
      index.start();
      let shared = 0;
      for (let call = 0; call < 3; call++) void index.recheck().then(() => (shared += 1));

      // The three rechecks and the first round came during the first look: one look after it.
      await jest.advanceTimersByTimeAsync(2 * LOOK_MS + DEAD_LETTER_INDEX_RECHECK_MS - 1_000);
      expect([asked, shared]).toEqual([2, 3]);

      await jest.advanceTimersByTimeAsync(600_000);

      // Past the first two, a look a round after the one before ended: none waits behind another.
      const rounds = Math.ceil((Date.now() - startedAt) / (LOOK_MS + DEAD_LETTER_INDEX_RECHECK_MS));
      expect(asked).toBeLessThanOrEqual(rounds + 1);
      const whileDown = asked;
      brokerUp = true;
      await jest.advanceTimersByTimeAsync(LOOK_MS);
      // The look under way ends, and the next round looks once: nothing had queued up.
      expect(asked - whileDown).toBeLessThanOrEqual(2);
    } finally {
      await index.stop();
      jest.useRealTimers();
    }
  });
});
