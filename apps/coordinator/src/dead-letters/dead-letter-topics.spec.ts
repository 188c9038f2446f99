import { topicNames } from '#contracts';
import { deadLetterTopicsToIndex, originalTopicOf } from './dead-letter-topics.js';

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
