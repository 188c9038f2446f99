import type { Admin, Kafka } from 'kafkajs';
import { normaliseTopicSpecs } from './topic-specs.js';
import type { TransportLogger } from './transport-logger.js';
import type {
  EnsureTopicsReport,
  TopicAdministrator,
  TopicSpec,
  UnderPartitionedTopic,
} from '#saga-core';

/** Creates missing topics with the kafkajs admin client, connected for each call. */
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
      if (missing.length > 0) await this.create(admin, missing);
      const underPartitioned = await this.findUnderPartitioned(admin, existing);
      for (const topic of underPartitioned) {
        this.logger.log('warn', 'A topic has fewer partitions than configured; left as it is', {
          component: 'kafka-admin',
          ...topic,
        });
      }
      return {
        created: missing.map(({ topic }) => topic),
        existing: existing.map(({ topic }) => topic),
        underPartitioned,
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

  private async create(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: specs.map(({ topic, partitions }) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: this.replicationFactor,
      })),
    });
    if (!created) {
      // Another instance created some of them first: kafkajs then returns without waiting for
      // leaders, so look at the metadata until every partition has one.
      await waitForLeaders(
        admin,
        specs.map(({ topic }) => topic),
      );
    }
    this.logger.log('info', 'Created topics', {
      component: 'kafka-admin',
      topics: specs.map(({ topic, partitions }) => `${topic} (${partitions})`).join(', '),
    });
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
