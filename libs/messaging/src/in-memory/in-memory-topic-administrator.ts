import { normaliseTopicSpecs } from '../topic-specs.js';
import type {
  EnsureTopicsReport,
  TopicAdministrator,
  TopicSpec,
  UnderPartitionedTopic,
} from '#saga-core';
import type { InMemoryBroker } from './in-memory-broker.js';

/**
 * Creates the missing topics of an InMemoryBroker; reports existing ones with too few partitions.
 * It has no access rules, so it reports no unverified topic (EnsureTopicsReport.unverified).
 */
export class InMemoryTopicAdministrator implements TopicAdministrator {
  constructor(private readonly broker: InMemoryBroker) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<EnsureTopicsReport> {
    const created: string[] = [];
    const existing: string[] = [];
    const underPartitioned: UnderPartitionedTopic[] = [];
    for (const { topic, partitions } of normaliseTopicSpecs(topics)) {
      if (this.broker.createTopic(topic, partitions)) {
        created.push(topic);
        continue;
      }
      existing.push(topic);
      const actualPartitions = this.broker.partitionCount(topic) ?? 0;
      if (actualPartitions < partitions) {
        underPartitioned.push({ topic, expectedPartitions: partitions, actualPartitions });
      }
    }
    return { created, existing, underPartitioned };
  }

  missingTopics(topics: readonly string[]): Promise<string[]> {
    return Promise.resolve(
      topics.filter((topic) => this.broker.partitionCount(topic) === undefined),
    );
  }
}
