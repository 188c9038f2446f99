import type { TopicNames } from '#contracts';

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
