import { isParticipantName, topicNames } from './topics.js';

describe('topicNames', () => {
  it('names the shared topics without a prefix by default', () => {
    const topics = topicNames();
    expect([topics.start, topics.replies, topics.events]).toEqual([
      'saga.start',
      'saga.replies',
      'saga.events',
    ]);
  });

  it('prepends the environment prefix to every topic', () => {
    const topics = topicNames('dev.');
    expect(topics.start).toBe('dev.saga.start');
    expect(topics.replies).toBe('dev.saga.replies');
    expect(topics.events).toBe('dev.saga.events');
    expect(topics.commands('payment')).toBe('dev.payment.commands');
  });

  it('names the dead-letter topic after the full original topic', () => {
    const topics = topicNames('dev.');
    expect(topics.deadLetter(topics.replies)).toBe('dev.saga.replies.dlq');
  });

  it('refuses a dead-letter topic for an empty topic name', () => {
    expect(() => topicNames().deadLetter('')).toThrow('original topic');
  });

  it('refuses a participant name with uppercase letters, spaces or underscores', () => {
    const topics = topicNames();
    for (const name of ['Payment', 'pay ment', 'pay_ment', '', '-payment']) {
      expect(() => topics.commands(name)).toThrow('invalid participant name');
    }
  });

  it('accepts participant names made of lowercase letters, digits, dashes and dots', () => {
    expect(['payment', 'inventory-v2', 'eu.shipping', '3pl']).toEqual(
      ['payment', 'inventory-v2', 'eu.shipping', '3pl'].filter(isParticipantName),
    );
  });

  it('refuses a prefix with characters Kafka does not allow in topic names', () => {
    expect(() => topicNames('dev/')).toThrow('invalid topic prefix');
  });
});
