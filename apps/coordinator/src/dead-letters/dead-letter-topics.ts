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

/**
 * A search for the dead-letter topics the broker refuses the coordinator to read (its refusal
 * names none): the index reads `cleared` with `trial`, one set under test at a time. A trial
 * read without refusal joins `cleared`; a refused one is split in halves, tested in turn, down
 * to single topics, each then found refused.
 */
export interface RefusalSearch {
  /** Topics found readable. */
  readonly cleared: readonly string[];
  /** The topics under test; empty once the search is over. */
  readonly trial: readonly string[];
  /** Sets to test after the trial, in order. */
  readonly pending: readonly (readonly string[])[];
}

/** A search that tests `untested` while reading `cleared`. */
export function searchRefusals(
  cleared: readonly string[],
  untested: readonly string[],
): RefusalSearch {
  return { cleared, trial: untested, pending: [] };
}

/** The topics a search reads now. */
export function searchedTopics(search: RefusalSearch): string[] {
  return [...search.cleared, ...search.trial].sort();
}

/** The search after its trial was read without refusal. */
export function trialPassed(search: RefusalSearch): RefusalSearch {
  return nextTrial([...search.cleared, ...search.trial], search.pending);
}

/** The search after its trial was refused, and the topic it found refused, if one. */
export function trialRefused(search: RefusalSearch): {
  search: RefusalSearch;
  found: string | undefined;
} {
  const { cleared, trial, pending } = search;
  if (trial.length <= 1) return { search: nextTrial(cleared, pending), found: trial[0] };
  const half = Math.ceil(trial.length / 2);
  return {
    search: nextTrial(cleared, [trial.slice(0, half), trial.slice(half), ...pending]),
    found: undefined,
  };
}

function nextTrial(
  cleared: readonly string[],
  [trial = [], ...pending]: readonly (readonly string[])[],
): RefusalSearch {
  return { cleared, trial, pending };
}
