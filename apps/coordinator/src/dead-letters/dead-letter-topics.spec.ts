import { topicNames } from '#contracts';
import {
  deadLetterTopicsToIndex,
  originalTopicOf,
  searchedTopics,
  searchRefusals,
  trialPassed,
  trialRefused,
  type RefusalSearch,
} from './dead-letter-topics.js';

describe('deadLetterTopicsToIndex', () => {
  it('names the dead-letter topics of start, replies and each participant’s commands, once each', () => {
    expect(
      deadLetterTopicsToIndex(topicNames('dev.'), ['payment', 'inventory', 'payment']),
    ).toEqual([
      'dev.inventory.commands.dlq',
      'dev.payment.commands.dlq',
      'dev.saga.replies.dlq',
      'dev.saga.start.dlq',
    ]);
  });
});

describe('originalTopicOf', () => {
  it('names the topic whose dead-letter topic it is', () => {
    const topics = topicNames('dev.');
    for (const original of [topics.start, topics.replies, topics.commands('payment')]) {
      expect(originalTopicOf(topics.deadLetter(original))).toBe(original);
    }
  });

  it('names none for a topic that is no dead-letter topic', () => {
    expect(originalTopicOf('dev.saga.start')).toBeUndefined();
    expect(originalTopicOf('.dlq')).toBeUndefined();
  });
});

describe('the search for refused dead-letter topics', () => {
  const TOPICS = ['a.dlq', 'b.dlq', 'c.dlq', 'd.dlq', 'e.dlq'];

  /** Runs a search over TOPICS on a broker that refuses `refused`: what it found, and its reads. */
  function search(refused: readonly string[]) {
    let state: RefusalSearch = searchRefusals([], TOPICS);
    const found: string[] = [];
    const reads: string[][] = [];
    /** Found topics read after they were found. */
    const readAgain: string[] = [];
    while (state.trial.length > 0) {
      const read = searchedTopics(state);
      reads.push(read);
      readAgain.push(...read.filter((topic) => found.includes(topic)));
      if (read.some((topic) => refused.includes(topic))) {
        const next = trialRefused(state);
        if (next.found !== undefined) found.push(next.found);
        state = next.search;
      } else {
        state = trialPassed(state);
      }
    }
    return { found, cleared: [...state.cleared].sort(), reads, readAgain };
  }

  it('finds each refused topic, clears the others, and never reads a found one again', () => {
    for (const refused of [[], ['c.dlq'], ['a.dlq', 'e.dlq'], TOPICS]) {
      const { found, cleared, readAgain } = search(refused);
      expect(found.sort()).toEqual([...refused].sort());
      expect(cleared).toEqual(TOPICS.filter((topic) => !refused.includes(topic)));
      expect(readAgain).toEqual([]);
    }
  });

  it('tests a few halves for one refused topic among five', () => {
    expect(search(['c.dlq']).reads).toEqual([
      TOPICS,
      ['a.dlq', 'b.dlq', 'c.dlq'],
      ['a.dlq', 'b.dlq'],
      ['a.dlq', 'b.dlq', 'c.dlq'],
      ['a.dlq', 'b.dlq', 'd.dlq', 'e.dlq'],
    ]);
  });
});
