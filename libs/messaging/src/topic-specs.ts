import type { TopicSpec } from '#saga-core';

/** Kafka's rule for topic names: 1–249 of [a-zA-Z0-9._-], and not `.` or `..`. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Whether `name` is a legal topic name (TOPIC_NAME, and not `.` or `..`). */
export function isTopicName(name: unknown): name is string {
  return typeof name === 'string' && TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** Throws a TypeError naming the topic when `name` is not a legal topic name. */
export function assertTopicName(name: string): void {
  if (!isTopicName(name)) {
    throw new TypeError(
      `invalid topic name ${JSON.stringify(name)}: use 1-249 letters, digits, '.', '_' or '-'`,
    );
  }
}

/**
 * Checks topic specs and drops exact duplicates; throws a TypeError on a bad name, a partition
 * count that is not an integer ≥ 1, or one topic asked for with two partition counts.
 */
export function normaliseTopicSpecs(specs: readonly TopicSpec[]): TopicSpec[] {
  const byTopic = new Map<string, TopicSpec>();
  for (const spec of specs) {
    assertTopicName(spec.topic);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new TypeError(`topic ${spec.topic}: partitions must be an integer ≥ 1`);
    }
    const seen = byTopic.get(spec.topic);
    if (seen && seen.partitions !== spec.partitions) {
      throw new TypeError(
        `topic ${spec.topic} is asked for with ${seen.partitions} and ${spec.partitions} partitions`,
      );
    }
    byTopic.set(spec.topic, { topic: spec.topic, partitions: spec.partitions });
  }
  return [...byTopic.values()];
}
