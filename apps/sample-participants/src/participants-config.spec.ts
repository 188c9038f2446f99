import { DEFAULT_DATABASE_TIMEOUTS } from '#postgres';
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
      idempotencyRetentionMs: 7 * 24 * 3_600_000,
      databaseTimeouts: DEFAULT_DATABASE_TIMEOUTS,
      logLevel: 'info',
      logRedactPaths: [],
    });
  });

  it('reads how long idempotency records are kept, and refuses less than a second', () => {
    expect(
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', IDEMPOTENCY_RETENTION_MS: '86400000' }),
    ).toMatchObject({ idempotencyRetentionMs: 86_400_000 });
    expect(() =>
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', IDEMPOTENCY_RETENTION_MS: '10' }),
    ).toThrow(/IDEMPOTENCY_RETENTION_MS/);
  });

  it('reads the log level and the redacted paths as the coordinator does', () => {
    expect(
      loadParticipantsConfig({
        KAFKA_BROKERS: 'k:9092',
        LOG_LEVEL: 'warn',
        LOG_REDACT_PATHS: 'a.b,c',
      }),
    ).toMatchObject({ logLevel: 'warn', logRedactPaths: ['a.b', 'c'] });
    expect(() => loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL/,
    );
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

  it('reads the Postgres, the participants to run, the dedupe switch and the faults', () => {
    const config = loadParticipantsConfig({
      KAFKA_BROKERS: 'k:9092',
      DATABASE_URL: 'postgres://u@db:5432/x',
      PARTICIPANTS: 'inventory, payment',
      PARTICIPANT_DEDUPE: 'false',
      PARTICIPANTS_ADMIN_PORT: '0',
      FAULTS: '{"payment":{"dropReplyRate":0.1}}',
      FAULT_SEED: '7',
    });

    expect(config).toMatchObject({
      databaseUrl: 'postgres://u@db:5432/x',
      schemaPrefix: 'participant_',
      participants: ['inventory', 'payment'],
      dedupe: false,
      adminPort: 0,
      faultSeed: 7,
    });
    expect(config.faults?.payment?.dropReplyRate).toBe(0.1);
  });

  it('refuses an unknown participant and faults that are not JSON', () => {
    const load = () =>
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', PARTICIPANTS: 'bank', FAULTS: '{' });

    expect(load).toThrow(/PARTICIPANTS\.0: [\s\S]*FAULTS: expected JSON/);
  });

  it('reads the payment gateway and its breaker options, defaults filled in, naming a bad field', () => {
    const config = loadParticipantsConfig({
      KAFKA_BROKERS: 'k:9092',
      PAYMENT_GATEWAY: '{"failureRate":0.02,"breaker":{"resetTimeoutMs":1000}}',
    });

    expect(config.paymentGateway).toEqual({
      latencyMs: 0,
      failureRate: 0.02,
      breaker: {
        timeoutMs: 2_000,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 1_000,
        volumeThreshold: 10,
        rollingWindowMs: 10_000,
      },
    });
    expect(() =>
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', PAYMENT_GATEWAY: '{"failureRate":2}' }),
    ).toThrow(/PAYMENT_GATEWAY\.failureRate: /);
  });

  it('reads the notification channels and the email breaker, defaults filled in, naming a bad field', () => {
    const config = loadParticipantsConfig({
      KAFKA_BROKERS: 'k:9092',
      NOTIFICATION_CHANNELS: '{"email":{"failureRate":0.3},"breaker":{"volumeThreshold":5}}',
    });

    expect(config.notificationChannels).toEqual({
      email: { latencyMs: 0, failureRate: 0.3 },
      sms: { latencyMs: 0, failureRate: 0 },
      breaker: {
        timeoutMs: 2_000,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 5_000,
        volumeThreshold: 5,
        rollingWindowMs: 10_000,
      },
    });
    expect(
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092' }).notificationChannels,
    ).toBeUndefined();
    expect(() =>
      loadParticipantsConfig({
        KAFKA_BROKERS: 'k:9092',
        NOTIFICATION_CHANNELS: '{"sms":{"latencyMs":-1}}',
      }),
    ).toThrow(/NOTIFICATION_CHANNELS\.sms\.latencyMs: /);
  });

  it('reads the database timeouts as the coordinator does', () => {
    const config = loadParticipantsConfig({
      KAFKA_BROKERS: 'k:9092',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      DATABASE_QUERY_TIMEOUT_MS: '6000',
      DATABASE_KEEPALIVE: 'false',
    });
    expect(config.databaseTimeouts).toMatchObject({
      statementTimeoutMs: 5_000,
      queryTimeoutMs: 6_000,
      keepAlive: false,
    });
    expect(() =>
      loadParticipantsConfig({ KAFKA_BROKERS: 'k:9092', DATABASE_QUERY_TIMEOUT_MS: '1000' }),
    ).toThrow(/DATABASE_QUERY_TIMEOUT_MS/);
  });
});
