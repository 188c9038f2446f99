import { ConfigError, loadCoordinatorConfig } from './coordinator-config.js';

describe('loadCoordinatorConfig', () => {
  it('uses the embedded mode when neither Kafka nor Postgres is configured', () => {
    const config = loadCoordinatorConfig({});
    expect(config).not.toHaveProperty('kafkaBrokers');
    expect(config).not.toHaveProperty('databaseUrl');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      sampleParticipants: true,
      timeScale: 1,
      stuckAfterMs: 900_000,
    });
  });

  it('reads STUCK_AFTER_MS and refuses one under a second', () => {
    expect(loadCoordinatorConfig({ STUCK_AFTER_MS: '60000' }).stuckAfterMs).toBe(60_000);
    expect(() => loadCoordinatorConfig({ STUCK_AFTER_MS: '10' })).toThrow(/STUCK_AFTER_MS/);
  });

  it('keeps finished sagas, inbox and dead letters a week and sent outbox rows an hour by default', () => {
    expect(loadCoordinatorConfig({}).retention).toEqual({
      periods: {
        sagaMs: 604_800_000,
        inboxMs: 604_800_000,
        deadLetterMs: 604_800_000,
        outboxMs: 3_600_000,
      },
      intervalMs: 60_000,
      batchSize: 500,
      batchPauseMs: 100,
      outboxSetAsideAfterMs: 60_000,
    });
    const config = loadCoordinatorConfig({
      SAGA_RETENTION_MS: '60000',
      OUTBOX_SET_ASIDE_AFTER_MS: '0',
    });
    expect(config.retention.periods.sagaMs).toBe(60_000);
    expect(config.retention.outboxSetAsideAfterMs).toBe(0);
    expect(() => loadCoordinatorConfig({ RETENTION_BATCH_SIZE: '0' })).toThrow(
      /RETENTION_BATCH_SIZE/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadCoordinatorConfig({ KAFKA_BROKERS: '', DATABASE_URL: '' })).not.toHaveProperty(
      'kafkaBrokers',
    );
  });

  it('runs the sample participants in process only on request once Kafka is configured', () => {
    expect(loadCoordinatorConfig({ KAFKA_BROKERS: 'k:9092' }).sampleParticipants).toBe(false);
    expect(
      loadCoordinatorConfig({ KAFKA_BROKERS: 'k:9092', SAMPLE_PARTICIPANTS: 'true' })
        .sampleParticipants,
    ).toBe(true);
  });

  it('reads a scaled clock for timers', () => {
    expect(loadCoordinatorConfig({ TIME_SCALE: '0.01' }).timeScale).toBe(0.01);
    expect(() => loadCoordinatorConfig({ TIME_SCALE: '0' })).toThrow(/TIME_SCALE/);
  });

  it('reads the brokers as a list and keeps the database url', () => {
    const config = loadCoordinatorConfig({
      KAFKA_BROKERS: 'a:9092,b:9093',
      DATABASE_URL: 'postgres://u@h:5432/db',
      PORT: '8080',
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(config).toMatchObject({
      port: 8080,
      kafkaBrokers: ['a:9092', 'b:9093'],
      databaseUrl: 'postgres://u@h:5432/db',
    });
  });

  it('names every wrong variable in one error', () => {
    const load = () =>
      loadCoordinatorConfig({
        PORT: 'eighty',
        KAFKA_BROKERS: 'no-port',
        DATABASE_URL: 'mysql://x',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /PORT[\s\S]*KAFKA_BROKERS: expected host:port[\s\S]*DATABASE_URL: expected a postgres/,
    );
  });

  it('never echoes a value, which may hold a password', () => {
    expect(() => loadCoordinatorConfig({ DATABASE_URL: 'mysql://admin:s3cret@db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('reads the log level and the extra redacted paths, info and none by default', () => {
    expect(loadCoordinatorConfig({})).toMatchObject({ logLevel: 'info', logRedactPaths: [] });
    expect(
      loadCoordinatorConfig({ LOG_LEVEL: 'debug', LOG_REDACT_PATHS: ' password, card.*.pan ,' }),
    ).toMatchObject({ logLevel: 'debug', logRedactPaths: ['password', 'card.*.pan'] });
  });

  it('refuses an unknown log level and a malformed redacted path, naming the variable', () => {
    expect(() => loadCoordinatorConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
    expect(() => loadCoordinatorConfig({ LOG_REDACT_PATHS: 'card..pan' })).toThrow(
      /LOG_REDACT_PATHS/,
    );
  });
});
