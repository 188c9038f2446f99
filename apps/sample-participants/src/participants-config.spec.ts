import { loadParticipantsConfig, ParticipantsConfigError } from './participants-config.js';

describe('the sample participants configuration', () => {
  it('reads the brokers, the topic prefix and the partition count', () => {
    const config = loadParticipantsConfig({
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      TOPIC_PREFIX: 'dev.',
      TOPIC_PARTITIONS: '6',
    });

    expect(config).toEqual({
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      topicPrefix: 'dev.',
      topicPartitions: 6,
    });
  });

  it('defaults to no prefix and 3 partitions', () => {
    expect(loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092' })).toMatchObject({
      topicPrefix: '',
      topicPartitions: 3,
    });
  });

  it('names every wrong variable without echoing its value', () => {
    const load = () =>
      loadParticipantsConfig({ TOPIC_PREFIX: 'no spaces!', TOPIC_PARTITIONS: '0' });

    expect(load).toThrow(ParticipantsConfigError);
    expect(load).toThrow(/KAFKA_BROKERS: required[\s\S]*TOPIC_PREFIX: [\s\S]*TOPIC_PARTITIONS: /);
    expect(load).not.toThrow(/no spaces!/);
  });
});
