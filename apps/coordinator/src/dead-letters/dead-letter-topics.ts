import { topicNames, type TopicNames } from '#contracts';

const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * The dead-letter topics the coordinator indexes: those of `saga.start`, `saga.replies` and of
 * the command topic of every participant of the registered definitions (deduplicated, sorted).
 */
export function deadLetterTopicsToIndex(
  topics: TopicNames,
  participants: readonly string[],
): string[] {
  const originals = [topics.start, topics.replies, ...participants.map((p) => topics.commands(p))];
  return [...new Set(originals.map((topic) => topics.deadLetter(topic)))].sort();
}

/**
 * The topic whose dead-letter topic `deadLetterTopic` is, by the wire contract's naming
 * (`TopicNames.deadLetter`), or undefined when it is the dead-letter topic of no topic. A replay
 * goes there, never where a `dlq-original-topic` header says: whoever wrote the dead letter
 * chose that header.
 */
export function originalTopicOf(deadLetterTopic: string): string | undefined {
  if (!deadLetterTopic.endsWith(DEAD_LETTER_SUFFIX)) return undefined;
  const original = deadLetterTopic.slice(0, -DEAD_LETTER_SUFFIX.length);
  // Checked against the contract's own naming, so that the two cannot drift apart.
  return original !== '' && topicNames().deadLetter(original) === deadLetterTopic
    ? original
    : undefined;
}

/**
 * The SQL twin of {@link originalTopicOf}: true for the `dead_letters` rows whose recorded
 * original topic is the one their dead-letter topic belongs to (the only ones a bulk replay takes).
 */
export const REPLAYABLE_ORIGIN_SQL = `topic = original_topic || '${DEAD_LETTER_SUFFIX}'`;
