import { topicNames } from '#contracts';
import { deadLetterTopicsToIndex } from './dead-letter-topics.js';

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
