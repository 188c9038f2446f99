import { createRequire } from 'node:module';
import { jest } from '@jest/globals';
import type { Admin, Kafka } from 'kafkajs';
import { KafkaTopicAdministrator } from './kafka-topic-administrator.js';
import { kafkajsProtocolError, quiet } from './kafkajs-cluster.fixture.js';
import type { TransportLogger } from './transport-logger.js';

const require = createRequire(import.meta.url);
const createAdmin = require('kafkajs/src/admin/index.js') as (
  options: Record<string, unknown>,
) => Admin;
type ErrorClass = new (...args: unknown[]) => Error;
const { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSCreateTopicError } =
  require('kafkajs/src/errors.js') as Record<
    'KafkaJSAggregateError' | 'KafkaJSConnectionError' | 'KafkaJSCreateTopicError',
    ErrorClass
  >;

const TOPIC_AUTHORIZATION_FAILED = 29;
const CLUSTER_AUTHORIZATION_FAILED = 31;
const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** What the fake broker holds and what it lets this client do. */
interface AccessRules {
  /** Existing topics, with their partition counts. */
  readonly existing: Record<string, number>;
  /** Topics this client may not describe (existing or not): Metadata refuses or leaves them out. */
  readonly hidden?: readonly string[];
  /** Topics this client may not create: CreateTopics refuses them with `refusal`. */
  readonly notCreatable?: readonly string[];
  readonly refusal?: number;
  /** Topics another instance creates right after this client has listed the topics. */
  readonly createdByAnother?: Record<string, number>;
  /** Every request fails: the broker cannot be reached. */
  readonly away?: boolean;
}

/**
 * A Kafka client whose admin is kafkajs 2.2.4's own (admin/index.js: its createTopics,
 * listTopics, fetchTopicMetadata) over a fake cluster that answers as a broker with ACLs does:
 * authorization is checked before existence, and a topic not described is left out of a listing.
 */
function kafkaWithAccessRules(rules: AccessRules): Kafka {
  const existing = new Map(Object.entries(rules.existing));
  const hidden = new Set(rules.hidden ?? []);
  const reachable = () => {
    if (rules.away) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
  };
  const describe = (topic: string) => ({
    topic,
    partitionMetadata: Array.from({ length: existing.get(topic)! }, (_, partitionId) => ({
      partitionId,
      leader: 1,
    })),
  });
  const metadata = async ({ topics = [] }: { topics?: string[] } = {}) => {
    reachable();
    if (topics.length === 0) {
      const listed = [...existing.keys()].filter((topic) => !hidden.has(topic));
      for (const [topic, partitions] of Object.entries(rules.createdByAnother ?? {})) {
        existing.set(topic, partitions);
      }
      return { topicMetadata: listed.map(describe) };
    }
    if (topics.some((topic) => hidden.has(topic))) {
      throw kafkajsProtocolError(TOPIC_AUTHORIZATION_FAILED);
    }
    if (topics.some((topic) => !existing.has(topic))) {
      throw kafkajsProtocolError(UNKNOWN_TOPIC_OR_PARTITION);
    }
    return { topicMetadata: topics.map(describe) };
  };
  const controller = {
    createTopics: async ({ topics }: { topics: { topic: string; numPartitions: number }[] }) => {
      reachable();
      const errors = topics.flatMap(({ topic, numPartitions }) => {
        const code = rules.notCreatable?.includes(topic)
          ? (rules.refusal ?? TOPIC_AUTHORIZATION_FAILED)
          : existing.has(topic)
            ? TOPIC_ALREADY_EXISTS
            : undefined;
        if (code === undefined) existing.set(topic, numPartitions);
        return code === undefined
          ? []
          : [new KafkaJSCreateTopicError(kafkajsProtocolError(code), topic)];
      });
      if (errors.length > 0) throw new KafkaJSAggregateError('Topic creation errors', errors);
    },
  };
  const cluster = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    refreshMetadata: async () => reachable(),
    findControllerBroker: async () => controller,
    metadata,
  };
  return { admin: () => createAdmin({ cluster, logger: quiet, retry: {} }) } as unknown as Kafka;
}

describe('KafkaTopicAdministrator.ensureTopics under access rules', () => {
  const logs: string[] = [];
  const logger: TransportLogger = {
    log: (level, message, fields) => void logs.push(`${level}: ${message} ${fields?.['topics']}`),
  };
  const specs = [
    { topic: 'saga.start', partitions: 3 },
    { topic: 'saga.replies', partitions: 3 },
  ];

  beforeEach(() => void (logs.length = 0));
  afterEach(() => void jest.useRealTimers());

  /** Runs ensureTopics, its leader waits on a fake clock: settles with the report or the error. */
  async function ensure(kafka: Kafka, topics = specs) {
    jest.useFakeTimers();
    const settled = new KafkaTopicAdministrator(kafka, -1, logger).ensureTopics(topics).then(
      (report) => ({ report }),
      (error: unknown) => ({ error: String(error) }),
    );
    await jest.advanceTimersByTimeAsync(60_000);
    return settled;
  }

  it('starts on a topic an administrator created that it may not describe, and reports it as not visible', async () => {
    const kafka = kafkaWithAccessRules({
      existing: { 'saga.replies': 3 },
      hidden: ['saga.replies'],
    });

    expect(await ensure(kafka)).toEqual({
      report: {
        created: ['saga.start'],
        existing: [],
        underPartitioned: [],
        unverified: [{ topic: 'saga.replies', reason: 'not-visible' }],
      },
    });
    expect(logs).toContainEqual(expect.stringMatching(/^warn: .*saga\.replies \(not-visible\)/));
  });

  it.each([
    ['TOPIC_AUTHORIZATION_FAILED', TOPIC_AUTHORIZATION_FAILED],
    ['CLUSTER_AUTHORIZATION_FAILED', CLUSTER_AUTHORIZATION_FAILED],
  ])(
    'starts on a topic it may neither describe nor create (%s), and reports it as not creatable',
    async (_name, refusal) => {
      const kafka = kafkaWithAccessRules({
        existing: { 'saga.replies': 3 },
        hidden: ['saga.replies'],
        notCreatable: ['saga.replies'],
        refusal,
      });

      expect(await ensure(kafka)).toEqual({
        report: {
          created: ['saga.start'],
          existing: [],
          underPartitioned: [],
          unverified: [{ topic: 'saga.replies', reason: 'not-creatable' }],
        },
      });
      expect(logs).toContainEqual(
        expect.stringMatching(/^warn: .*saga\.replies \(not-creatable\)/),
      );
    },
  );

  it('fails when a topic it may describe is missing and it may not create it', async () => {
    const kafka = kafkaWithAccessRules({ existing: {}, notCreatable: ['saga.replies'] });

    expect(await ensure(kafka)).toEqual({
      error: expect.stringContaining(
        'topic saga.replies is missing, and this client may not create it (TOPIC_AUTHORIZATION_FAILED)',
      ),
    });
  });

  it('fails when the broker cannot be reached', async () => {
    const kafka = kafkaWithAccessRules({ existing: {}, away: true });

    expect(await ensure(kafka)).toEqual({ error: expect.stringContaining('ECONNREFUSED') });
  });

  it('reports a topic another instance created first as created, without an unverified list', async () => {
    const kafka = kafkaWithAccessRules({ existing: {}, createdByAnother: { 'saga.replies': 3 } });

    expect(await ensure(kafka)).toEqual({
      report: { created: ['saga.start', 'saga.replies'], existing: [], underPartitioned: [] },
    });
  });
});
