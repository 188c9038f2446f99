import type { Admin, Kafka } from 'kafkajs';
import { normaliseTopicSpecs } from './topic-specs.js';
import { kafkaErrorCode } from './send-refusal.js';
import type { TransportLogger } from './transport-logger.js';
import type {
  EnsureTopicsReport,
  TopicAdministrator,
  TopicSpec,
  UnderPartitionedTopic,
  UnverifiedTopic,
} from '#saga-core';

/** The broker's answer to a Metadata that means: this client may not describe that topic. */
const HIDDEN: ReadonlySet<string> = new Set(['TOPIC_AUTHORIZATION_FAILED']);

/** The broker's answers to a CreateTopics that mean: this client may not create that topic. */
const CREATE_REFUSALS: ReadonlySet<string> = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/**
 * Creates missing topics with the kafkajs admin client, connected for each call. A topic the
 * client may not describe is absent from the topics it lists, so it is asked for too: one the
 * broker then says exists, or refuses to create, is an administrator's, reported as unverified
 * (see UnverifiedTopic) rather than failing the start-up of an app that only reads or writes it.
 */
export class KafkaTopicAdministrator implements TopicAdministrator {
  constructor(
    private readonly kafka: Kafka,
    /** Replication factor of new topics; -1 for the broker's default. */
    private readonly replicationFactor: number,
    private readonly logger: TransportLogger,
  ) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<EnsureTopicsReport> {
    const specs = normaliseTopicSpecs(topics);
    if (specs.length === 0) return { created: [], existing: [], underPartitioned: [] };
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const known = new Set(await admin.listTopics());
      const missing = specs.filter(({ topic }) => !known.has(topic));
      const existing = specs.filter(({ topic }) => known.has(topic));
      const unverified = missing.length > 0 ? await this.create(admin, missing) : [];
      const underPartitioned = await this.findUnderPartitioned(admin, existing);
      for (const topic of underPartitioned) {
        this.logger.log('warn', 'A topic has fewer partitions than configured; left as it is', {
          component: 'kafka-admin',
          ...topic,
        });
      }
      const unverifiedNames = new Set(unverified.map(({ topic }) => topic));
      return {
        created: missing.map(({ topic }) => topic).filter((topic) => !unverifiedNames.has(topic)),
        existing: existing.map(({ topic }) => topic),
        underPartitioned,
        ...(unverified.length > 0 ? { unverified } : {}),
      };
    } finally {
      await admin.disconnect();
    }
  }

  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const known = new Set(await admin.listTopics());
      return topics.filter((topic) => !known.has(topic));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Creates `specs` and waits until each has a leader, but for those this client may not
   * describe and the broker says exist or refuses to create: those are returned, unverified.
   * Rejects when a topic it may describe is missing and it may not create it.
   */
  private async create(admin: Admin, specs: readonly TopicSpec[]): Promise<UnverifiedTopic[]> {
    const answer = await requestCreation(admin, specs, this.replicationFactor);
    const unverified = await unverifiedAmong(admin, answer);
    if (unverified.length > 0) {
      this.logger.log(
        'warn',
        'Topics this client may not describe are taken to be an administrator’s: not created, not checked',
        {
          component: 'kafka-admin',
          topics: unverified.map(({ topic, reason }) => `${topic} (${reason})`).join(', '),
        },
      );
    }
    const ready = specs.filter(({ topic }) => !unverified.some((u) => u.topic === topic));
    if (ready.length === 0) return unverified;
    // kafkajs waited for the leaders of a request that created every topic; not otherwise (some
    // existed, created by another instance first, or some were refused).
    if (answer.perhapsExisting.length > 0 || answer.refused.size > 0) {
      await waitForLeaders(
        admin,
        ready.map(({ topic }) => topic),
      );
    }
    this.logger.log('info', 'Created topics', {
      component: 'kafka-admin',
      topics: ready.map(({ topic, partitions }) => `${topic} (${partitions})`).join(', '),
    });
    return unverified;
  }

  private async findUnderPartitioned(
    admin: Admin,
    specs: readonly TopicSpec[],
  ): Promise<UnderPartitionedTopic[]> {
    if (specs.length === 0) return [];
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map(({ topic }) => topic) });
    const actual = new Map(topics.map(({ name, partitions }) => [name, partitions.length]));
    return specs.flatMap(({ topic, partitions }) => {
      const actualPartitions = actual.get(topic) ?? 0;
      return actualPartitions < partitions
        ? [{ topic, expectedPartitions: partitions, actualPartitions }]
        : [];
    });
  }
}

/** The topics a CreateTopics did not create, by what the broker said of them. */
interface CreationAnswer {
  /** Said to exist already (all of them when kafkajs does not say which). */
  readonly perhapsExisting: readonly string[];
  /** Refused to this client, with the broker's error type (CREATE_REFUSALS). */
  readonly refused: ReadonlyMap<string, string>;
}

/** Asks the broker to create `specs` (waiting for their leaders when it creates them all); any other error rejects. */
async function requestCreation(
  admin: Admin,
  specs: readonly TopicSpec[],
  replicationFactor: number,
): Promise<CreationAnswer> {
  try {
    const allCreated = await admin.createTopics({
      // kafkajs's own wait: a partition the metadata gives a leader may not serve yet.
      waitForLeaders: true,
      topics: specs.map(({ topic, partitions }) => ({
        topic,
        numPartitions: partitions,
        replicationFactor,
      })),
    });
    // kafkajs resolves false, naming none, when each topic it did not create already existed.
    return {
      perhapsExisting: allCreated ? [] : specs.map(({ topic }) => topic),
      refused: new Map(),
    };
  } catch (error) {
    const answers = topicErrors(error);
    const understood = answers?.every(
      ({ type }) => type === 'TOPIC_ALREADY_EXISTS' || CREATE_REFUSALS.has(type),
    );
    if (answers === undefined || !understood) throw error;
    return {
      perhapsExisting: answers.filter((a) => a.type === 'TOPIC_ALREADY_EXISTS').map((a) => a.topic),
      refused: new Map(
        answers.filter((a) => CREATE_REFUSALS.has(a.type)).map((a) => [a.topic, a.type]),
      ),
    };
  }
}

/**
 * The topics of `answer` this client may not describe (looked up one by one). Rejects when one
 * it was refused to create is not hidden but cannot be found either: it is missing.
 */
async function unverifiedAmong(admin: Admin, answer: CreationAnswer): Promise<UnverifiedTopic[]> {
  const unverified: UnverifiedTopic[] = [];
  for (const topic of [...answer.perhapsExisting, ...answer.refused.keys()]) {
    const sight = await lookUp(admin, topic);
    const refusal = answer.refused.get(topic);
    if (sight === 'hidden') {
      unverified.push({ topic, reason: refusal === undefined ? 'not-visible' : 'not-creatable' });
    } else if (refusal !== undefined && sight !== 'seen') {
      throw new Error(`topic ${topic} is missing, and this client may not create it (${refusal})`, {
        cause: sight.error,
      });
    }
  }
  return unverified;
}

/** The per-topic errors of a kafkajs CreateTopics (a KafkaJSAggregateError), else undefined. */
function topicErrors(error: unknown): { topic: string; type: string }[] | undefined {
  const { errors } = (error ?? {}) as { errors?: unknown };
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const answers = errors.map((inner: unknown) => inner as { topic?: unknown; type?: unknown });
  return answers.every((a) => typeof a.topic === 'string' && typeof a.type === 'string')
    ? (answers as { topic: string; type: string }[])
    : undefined;
}

/**
 * Looks `topic` up alone: `seen`, `hidden` when the broker refuses to describe it to this
 * client, or the error otherwise (missing, not yet known to the broker asked, broker away).
 */
async function lookUp(
  admin: Admin,
  topic: string,
): Promise<'seen' | 'hidden' | { error: unknown }> {
  try {
    await admin.fetchTopicMetadata({ topics: [topic] });
    return 'seen';
  } catch (error) {
    return kafkaErrorCode(error, HIDDEN) === undefined ? { error } : 'hidden';
  }
}

/** Polls topic metadata until every partition of `topics` has a leader (at most `timeoutMs`). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await admin.fetchTopicMetadata({ topics }).then(
      (metadata) =>
        metadata.topics.length === topics.length &&
        metadata.topics.every(
          ({ partitions }) =>
            partitions.length > 0 && partitions.every(({ leader }) => leader >= 0),
        ),
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics without leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
