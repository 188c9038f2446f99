import { jest } from '@jest/globals';
import {
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  topicNames,
  type ReplyMessage,
  type StartSagaMessage,
} from '#contracts';
import { InMemoryTransport, type ConsumerTuning, type MessageTransport } from '#messaging';
import type { Database } from '#postgres';
import type { ConsumerStartOptions, MessageConsumer, SagaRegistry } from '#saga-core';
import { loadCoordinatorConfig, type CoordinatorConfig } from '../config/coordinator-config.js';
import { NO_SEALING } from '../dead-letters/dead-letter-sealer.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { Metrics } from '../observability/metrics.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { CoordinatorConsumers, type CoordinatorConsumersParts } from './coordinator-consumers.js';

const topics = topicNames('');
const PAUSE_AT = 4;

const reply = (n: number): ReplyMessage => ({
  messageId: `saga-${n}:reserve:execute:1:reply`,
  sagaId: `saga-${n}`,
  stepId: 'reserve',
  action: 'execute',
  attempt: 1,
  outcome: { status: 'success', result: {} },
  repliedAt: '2026-12-05T10:00:00.000Z',
});

const headers = (type: string, id: string) => ({
  [HEADERS.messageId]: id,
  [HEADERS.messageType]: type,
  [HEADERS.contentType]: JSON_CONTENT_TYPE,
});

/** Decisions whose replies wait until `releaseReplies`; what they decide, in order. */
function heldDecisions() {
  const log: string[] = [];
  let releaseReplies = (): void => undefined;
  const repliesHeld = new Promise<void>((resolve) => (releaseReplies = resolve));
  const decisions = {
    applyReplies: async (replies: readonly ReplyMessage[]) => {
      await repliesHeld;
      log.push(...replies.map((r) => `reply ${r.sagaId}`));
      return [];
    },
    startMany: async (requests: readonly StartSagaMessage[]) => {
      log.push(...requests.map((r) => `start ${r.idempotencyKey}`));
      return requests.map(() => ({ sagaId: 'x', created: true }));
    },
  } as unknown as SagaDecisions;
  return { decisions, log, releaseReplies };
}

/** The consumers on `transport`, with what the test gives and stand-ins for the rest. */
function consumersOn(
  transport: MessageTransport,
  config: CoordinatorConfig,
  parts: Pick<CoordinatorConsumersParts, 'decisions' | 'admission' | 'repliesFirst'> &
    Partial<Pick<CoordinatorConsumersParts, 'registry' | 'database' | 'metrics'>>,
): CoordinatorConsumers {
  return new CoordinatorConsumers({
    config,
    transport,
    topics,
    registry: { participants: () => [] } as unknown as SagaRegistry,
    sensitive: { redactStart: (value: string) => value } as unknown as SensitiveData,
    database: {} as Database,
    deadLetterSealer: NO_SEALING,
    metrics: new Metrics(),
    ...parts,
  });
}

/** The consumers of the start and reply topics, with stand-ins for their flow control. */
function hotPathParts() {
  return {
    decisions: heldDecisions().decisions,
    admission: new SagaAdmission(1_000),
    repliesFirst: new RepliesFirst(100, 1),
  };
}

/** The definitions' participants, as the dead-letter index asks for them. */
function registryOf(participants: string[]): SagaRegistry {
  return { participants: () => participants } as unknown as SagaRegistry;
}

/** A database that records the dead-letter topic of each row the index inserts. */
function recordingDatabase() {
  const indexed: string[] = [];
  const database = {
    transaction: async (work: (sql: unknown) => Promise<unknown>) =>
      work({
        query: async (_text: string, params: unknown[]) => {
          // 13 columns a row, the dead-letter topic first (dead-letter-indexer.ts).
          params.forEach((value, i) => i % 13 === 0 && indexed.push(String(value)));
          return [];
        },
      }),
  } as unknown as Database;
  return { database, indexed };
}

/**
 * `inner`, with stand-ins for the dead-letter index's consumers (`made`): each joins only when
 * the test says (`join`), and may crash then (`crash`), as a Kafka consumer that cannot read a
 * topic does: out of its group, its start pending until it joins or is stopped.
 */
function scriptedIndexConsumers(inner: InMemoryTransport) {
  const made: { topics: string[]; join(): void; crash(): void; stopped: boolean }[] = [];
  const createConsumer = (tuning?: ConsumerTuning): MessageConsumer => {
    const real = inner.createConsumer(tuning);
    let index: (typeof made)[number] | undefined;
    let member = false;
    const consumer: MessageConsumer = {
      start: (options) => {
        if (!options.groupId.endsWith('dead-letters')) return real.start(options);
        return new Promise<void>((resolve) => {
          index = {
            topics: [...options.topics],
            stopped: false,
            join: () => {
              member = true;
              resolve();
            },
            crash: () => void (member = false),
          };
          made.push(index);
        });
      },
      pause: () => real.pause(),
      resume: () => real.resume(),
      isMember: () => (index === undefined ? true : member),
      stop: async () => {
        if (index !== undefined) index.stopped = true;
        member = false;
        await real.stop();
      },
    };
    return consumer;
  };
  const transport: MessageTransport = {
    publisher: inner.publisher,
    administrator: inner.administrator,
    createConsumer,
    close: () => inner.close(),
  };
  return { transport, made };
}

describe('the coordinator consumers', () => {
  let transport: InMemoryTransport;
  let consumers: CoordinatorConsumers | undefined;
  let release = (): void => undefined;

  afterEach(async () => {
    release(); // a handler still waiting would hold stop() forever
    await consumers?.stop();
    await transport.close();
  });

  it('hold new starts while the replies not yet decided are many, and let them go once decided', async () => {
    transport = new InMemoryTransport();
    const partitions = 1;
    await transport.administrator.ensureTopics(
      [topics.start, topics.replies].flatMap((topic) => [
        { topic, partitions },
        { topic: topics.deadLetter(topic), partitions },
      ]),
    );
    const config = loadCoordinatorConfig({
      STARTS_PAUSE_AT_REPLY_BACKLOG: String(PAUSE_AT),
      TOPIC_PARTITIONS: String(partitions),
    });
    const { decisions, log, releaseReplies } = heldDecisions();
    release = releaseReplies;
    const admission = new SagaAdmission(1_000);
    const repliesFirst = new RepliesFirst(PAUSE_AT, partitions);
    consumers = consumersOn(transport, config, { decisions, admission, repliesFirst });
    await consumers.start();

    // Six replies wait on decisions that do not end yet: the backlog passes PAUSE_AT.
    await transport.publisher.publish(
      [1, 2, 3, 4, 5, 6].map((n) => ({
        topic: topics.replies,
        key: `saga-${n}`,
        headers: headers(MESSAGE_TYPES.reply, reply(n).messageId),
        value: JSON.stringify(reply(n)),
      })),
    );
    await until(() => repliesFirst.isBehind);
    // The cap on sagas in flight reached, then left: the starts still wait for the replies.
    admission.noteStarted(1_000);
    expect(admission.isFull).toBe(true);
    admission.beginCount();
    admission.update(0);
    expect(admission.isFull).toBe(false);
    await transport.publisher.publish(
      ['k1', 'k2'].map((key) => ({
        topic: topics.start,
        key,
        headers: headers(MESSAGE_TYPES.start, `s-${key}`),
        value: JSON.stringify({ sagaType: 'order', idempotencyKey: key, input: {} }),
      })),
    );
    await settle();
    expect(log).toEqual([]); // the starts wait on their topic

    releaseReplies();
    await until(() => log.length === 8);

    expect(log.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `reply saga-${n}`));
    expect(log.slice(6)).toEqual(['start k1', 'start k2']);
    expect(repliesFirst.isBehind).toBe(false);
    expect(transport.broker.records(topics.deadLetter(topics.replies)).flat()).toEqual([]);
    expect(transport.broker.records(topics.deadLetter(topics.start)).flat()).toEqual([]);
  });

  it('fetch starts and replies at the first record, and wait for fuller batches under load only', async () => {
    transport = new InMemoryTransport();
    await transport.administrator.ensureTopics(
      [topics.start, topics.replies].flatMap((topic) => [
        { topic, partitions: 2 },
        { topic: topics.deadLetter(topic), partitions: 2 },
      ]),
    );
    const created = jest.spyOn(transport, 'createConsumer');
    const config = loadCoordinatorConfig({
      TOPIC_PARTITIONS: '2',
      CONSUMER_FETCH_WAIT_FROM_RATE: '250',
      CONSUMER_FETCH_MIN_BYTES: '4096',
      CONSUMER_FETCH_MAX_WAIT_MS: '7',
      FETCH_IDLE_WAIT_MS: '250',
    });
    consumers = consumersOn(transport, config, {
      decisions: heldDecisions().decisions,
      admission: new SagaAdmission(1_000),
      repliesFirst: new RepliesFirst(100, 2),
    });
    await consumers.start();

    const hotPath = created.mock.calls.map(([tuning]) => tuning).filter((t) => t?.waitUnderLoad);
    expect(hotPath).toHaveLength(2); // starts and replies; the dead-letter index keeps its own
    for (const tuning of hotPath) {
      expect(tuning).toMatchObject({
        minBytes: 1,
        waitUnderLoad: { fromRecordsPerSecond: 250, minBytes: 4096, maxWaitMs: 7 },
        partitionsConsumedConcurrently: 2,
      });
    }
    // An idle fetch of either waits longer at the broker than a fetch under load: a paused
    // start consumer holds its batch and sees a resume at once, whatever this wait.
    const idleWaits = hotPath.map((tuning) => [tuning?.maxBatchSize, tuning?.maxWaitTimeMs]);
    expect(idleWaits).toEqual(
      expect.arrayContaining([
        [config.tuning.replyBatchSize, 250],
        [config.tuning.startChunk / 2, 250],
      ]),
    );
  });
});

describe('the dead-letter count', () => {
  it('counts each dead letter once, whether its handler chose it or its consumer refused the record itself', async () => {
    const transport = new InMemoryTransport();
    // The in-memory consumer refuses nothing itself: the test plays the Kafka one that does.
    const started: ConsumerStartOptions[] = [];
    const spied: MessageTransport = {
      publisher: transport.publisher,
      administrator: transport.administrator,
      createConsumer: (tuning) => {
        const consumer = transport.createConsumer(tuning);
        const start = consumer.start.bind(consumer);
        consumer.start = (options) => {
          started.push(options);
          return start(options);
        };
        return consumer;
      },
      close: () => transport.close(),
    };
    await transport.administrator.ensureTopics(
      [topics.start, topics.replies].flatMap((topic) => [
        { topic, partitions: 1 },
        { topic: topics.deadLetter(topic), partitions: 1 },
      ]),
    );
    const metrics = new Metrics({ defaultMetrics: false });
    const subject = consumersOn(spied, loadCoordinatorConfig({ TOPIC_PARTITIONS: '1' }), {
      ...hotPathParts(),
      decisions: { applyReplies: async () => [] } as unknown as SagaDecisions,
      database: recordingDatabase().database, // the index records the dead letter
      metrics,
    });
    try {
      await subject.start();
      await transport.publisher.publish([
        { topic: topics.replies, key: 'k', headers: {}, value: 'not JSON' },
      ]);
      // Read (and so let go) by the dead-letter index at once: its end offset tells.
      await until(() => transport.broker.endOffset(topics.deadLetter(topics.replies), 0) === 1);

      const replyConsumer = started.find((options) => options.topics.includes(topics.replies));
      replyConsumer?.onRefused?.(topics.replies, 1); // a record that is not UTF-8, say

      const counted = await metrics.registry.getSingleMetricAsString('saga_dead_letters_total');
      expect(counted).toContain(`saga_dead_letters_total{topic="${topics.replies}"} 2`);
    } finally {
      await subject.stop();
      await transport.close();
    }
  });
});

describe('the dead-letter index', () => {
  const config = loadCoordinatorConfig({ TOPIC_PARTITIONS: '1' });
  let transport: InMemoryTransport;
  let consumers: CoordinatorConsumers | undefined;

  afterEach(async () => {
    await consumers?.stop();
    await transport.close();
  });

  /** The topics of starts, replies and `participants`' commands, with their dead-letter topics. */
  async function createTopics(participants: string[], except: string[] = []): Promise<void> {
    const names = [topics.start, topics.replies, ...participants.map((p) => topics.commands(p))];
    await transport.administrator.ensureTopics(
      names
        .flatMap((topic) => [topic, topics.deadLetter(topic)])
        .filter((topic) => !except.includes(topic))
        .map((topic) => ({ topic, partitions: 1 })),
    );
  }

  /** Starts `consumers`; true once start resolved, the error if it rejected. */
  function starting(subject: CoordinatorConsumers) {
    const outcome: { started: boolean; error?: unknown } = { started: false };
    subject.start().then(
      () => (outcome.started = true),
      (error: unknown) => (outcome.error = error),
    );
    return outcome;
  }

  /**
   * Consumers of `payment` (`subject`, stopped after the test) whose dead-letter index consumers
   * the test drives (`index`, those made).
   */
  async function withScriptedIndex() {
    transport = new InMemoryTransport();
    await createTopics(['payment']);
    const { transport: scripted, made: index } = scriptedIndexConsumers(transport);
    const subject = consumersOn(scripted, config, {
      ...hotPathParts(),
      registry: registryOf(['payment']),
    });
    consumers = subject;
    return { index, subject };
  }

  it('never holds readiness: start resolves and problem() is undefined while it cannot join its group', async () => {
    const { index, subject } = await withScriptedIndex();

    const start = starting(subject);
    await until(() => start.started);

    expect(subject.problem()).toBeUndefined(); // readiness up, and the timers may start
    expect(subject.deafToReplies()).toBe(false);
    await until(() => index.length === 1);
    expect(subject.deadLetterIndexStatus()).toEqual({
      member: false,
      topics: ['payment.commands.dlq', 'saga.replies.dlq', 'saga.start.dlq'],
      leftOut: [],
    });
  });

  it('never takes readiness down when it crashes after its join, and says it is out of its group', async () => {
    const { index, subject } = await withScriptedIndex();
    const start = starting(subject);
    await until(() => index.length === 1);
    index[0]!.join();
    await until(() => start.started);

    index[0]!.crash(); // its supervisor restarts it, and it keeps failing

    expect(subject.problem()).toBeUndefined();
    expect(subject.deadLetterIndexStatus().member).toBe(false);
    index[0]!.join(); // back in its group
    expect(subject.deadLetterIndexStatus().member).toBe(true);
  });

  it('indexes the dead-letter topics that exist, leaves out a missing one, and reads it once it is back', async () => {
    transport = new InMemoryTransport();
    const missing = topics.deadLetter(topics.commands('payment'));
    await createTopics(['payment'], [missing]);
    const { database, indexed } = recordingDatabase();
    consumers = consumersOn(transport, config, {
      ...hotPathParts(),
      registry: registryOf(['payment']),
      database,
    });

    const start = starting(consumers);
    await until(() => start.started || start.error !== undefined);

    expect(start.error).toBeUndefined();
    expect(consumers.problem()).toBeUndefined();
    await publishDeadLetter(transport, topics.deadLetter(topics.start));
    await until(() => indexed.includes('saga.start.dlq'));
    expect(consumers.deadLetterIndexStatus()).toEqual({
      member: true,
      topics: ['saga.replies.dlq', 'saga.start.dlq'],
      leftOut: [missing],
    });

    await transport.administrator.ensureTopics([{ topic: missing, partitions: 1 }]);
    await consumers.followParticipants(); // as its periodic look does
    await publishDeadLetter(transport, missing);

    await until(() => indexed.includes(missing));
    expect(consumers.deadLetterIndexStatus()).toEqual({
      member: true,
      topics: [missing, 'saga.replies.dlq', 'saga.start.dlq'],
      leftOut: [],
    });
    expect(consumers.problem()).toBeUndefined();
  });
});

/** Publishes one dead letter, as a consumer that refused a message of its topic would. */
async function publishDeadLetter(transport: InMemoryTransport, topic: string): Promise<void> {
  await transport.publisher.publish([
    { topic, key: 'k', headers: { 'dlq-reason': 'refused' }, value: '{}' },
  ]);
}

/** Lets every queued callback and timer of the in-memory transport run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i += 1) await settle();
  expect(condition()).toBe(true);
}
