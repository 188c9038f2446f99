import { ConfigError, loadCoordinatorConfig } from './coordinator-config.js';

/** The keys a coordinator with its own database needs. */
const KEYS = { ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };

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

  it('leaves the headers a payload gives out of outbox rows unless told not to, for a roll', () => {
    expect(loadCoordinatorConfig({}).tuning.compactOutboxHeaders).toBe(true);
    const rolling = loadCoordinatorConfig({ OUTBOX_COMPACT_HEADERS: 'false' });
    expect(rolling.tuning.compactOutboxHeaders).toBe(false);
    expect(() => loadCoordinatorConfig({ OUTBOX_COMPACT_HEADERS: 'no' })).toThrow(
      /OUTBOX_COMPACT_HEADERS/,
    );
  });

  it('reads FETCH_IDLE_WAIT_MS, or its former name REPLY_FETCH_IDLE_WAIT_MS when it is unset', () => {
    const idleWait = (env: Record<string, string>) =>
      loadCoordinatorConfig(env).tuning.fetchIdleWaitMs;
    expect(idleWait({})).toBe(100);
    expect(idleWait({ REPLY_FETCH_IDLE_WAIT_MS: '250' })).toBe(250);
    expect(idleWait({ FETCH_IDLE_WAIT_MS: '50', REPLY_FETCH_IDLE_WAIT_MS: '250' })).toBe(50);
    expect(() => idleWait({ FETCH_IDLE_WAIT_MS: '6000' })).toThrow(/FETCH_IDLE_WAIT_MS/);
    expect(() => idleWait({ REPLY_FETCH_IDLE_WAIT_MS: '-1' })).toThrow(/REPLY_FETCH_IDLE_WAIT_MS/);
  });

  it('reads STUCK_AFTER_MS and refuses one under a second', () => {
    expect(loadCoordinatorConfig({ STUCK_AFTER_MS: '60000' }).stuckAfterMs).toBe(60_000);
    expect(() => loadCoordinatorConfig({ STUCK_AFTER_MS: '10' })).toThrow(/STUCK_AFTER_MS/);
  });

  it('keeps finished sagas and dead letters a week and sent outbox rows an hour by default', () => {
    expect(loadCoordinatorConfig({}).retention).toEqual({
      periods: {
        sagaMs: 604_800_000,
        deadLetterMs: 604_800_000,
        outboxMs: 3_600_000,
      },
      intervalMs: 60_000,
      batchSize: 500,
      batchPauseMs: 100,
      auditPartitionMs: 86_400_000,
      outboxSetAsideAfterMs: 60_000,
      outboxSetAsideRetryMs: 600_000,
    });
    const config = loadCoordinatorConfig({
      SAGA_RETENTION_MS: '60000',
      OUTBOX_SET_ASIDE_AFTER_MS: '0',
      OUTBOX_SET_ASIDE_RETRY_MS: '1000',
    });
    expect(config.retention.periods.sagaMs).toBe(60_000);
    expect(config.retention.outboxSetAsideAfterMs).toBe(0);
    expect(config.retention.outboxSetAsideRetryMs).toBe(1_000);
    expect(() => loadCoordinatorConfig({ OUTBOX_SET_ASIDE_RETRY_MS: '0' })).toThrow(
      /OUTBOX_SET_ASIDE_RETRY_MS/,
    );
    expect(
      loadCoordinatorConfig({ AUDIT_PARTITION_MS: '21600000' }).retention.auditPartitionMs,
    ).toBe(21_600_000);
    expect(() => loadCoordinatorConfig({ AUDIT_PARTITION_MS: '30000' })).toThrow(
      /AUDIT_PARTITION_MS/,
    );
    expect(() => loadCoordinatorConfig({ AUDIT_PARTITION_MS: '60500' })).toThrow(/whole seconds/);
    // A week of sagas in 60 s periods would be 10,080 partitions.
    expect(() => loadCoordinatorConfig({ AUDIT_PARTITION_MS: '60000' })).toThrow(
      /would keep about 10084 of its periods, more than 32: make it at least 20858000/,
    );
    expect(
      loadCoordinatorConfig({ AUDIT_PARTITION_MS: '60000', SAGA_RETENTION_MS: '1200000' }).retention
        .auditPartitionMs,
    ).toBe(60_000);
    expect(() => loadCoordinatorConfig({ RETENTION_BATCH_SIZE: '0' })).toThrow(
      /RETENTION_BATCH_SIZE/,
    );
  });

  it('refuses a database without a broker, or a broker without a database, unless a test allows it', () => {
    // A variable misspelt or dropped: real sagas on the in-process broker, answered by the
    // sample participants; or real topics read by a coordinator whose sagas live in memory.
    expect(() => loadCoordinatorConfig({ DATABASE_URL: 'postgres://u@db/saga', ...KEYS })).toThrow(
      'KAFKA_BROKERS: required with DATABASE_URL (set both for real use, neither for the embedded mode)',
    );
    expect(() =>
      loadCoordinatorConfig({
        KAFKA_BROKER: 'k:9092',
        DATABASE_URL: 'postgres://u@db/saga',
        ...KEYS,
      }),
    ).toThrow(/KAFKA_BROKERS: required/);
    expect(() => loadCoordinatorConfig({ KAFKA_BROKERS: 'k:9092' })).toThrow(
      'DATABASE_URL: required with KAFKA_BROKERS (set both for real use, neither for the embedded mode)',
    );
    const half = { ALLOW_PARTIAL_EMBEDDED: 'true' };
    expect(loadCoordinatorConfig({ KAFKA_BROKERS: 'k:9092', ...half }).kafkaBrokers).toEqual([
      'k:9092',
    ]);
    expect(
      loadCoordinatorConfig({ DATABASE_URL: 'postgres://u@db/saga', ...KEYS, ...half }).databaseUrl,
    ).toBe('postgres://u@db/saga');
  });

  it('treats an empty variable as unset', () => {
    expect(loadCoordinatorConfig({ KAFKA_BROKERS: '', DATABASE_URL: '' })).not.toHaveProperty(
      'kafkaBrokers',
    );
  });

  it('runs the sample participants in process only on request once Kafka is configured', () => {
    const kafka = { KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://u@db/saga', ...KEYS };
    expect(loadCoordinatorConfig(kafka).sampleParticipants).toBe(false);
    expect(
      loadCoordinatorConfig({ ...kafka, SAMPLE_PARTICIPANTS: 'true' }).sampleParticipants,
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

  it('reads the database url from DATABASE_URL_FILE (a mounted secret), never echoing it', () => {
    const key = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
    const files: Record<string, string> = { '/run/db/uri': 'postgres://app:s3cret@db/app\n' };
    const readFile = (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    };
    const fromFile = {
      DATABASE_URL_FILE: '/run/db/uri',
      KAFKA_BROKERS: 'k:9092',
      ENCRYPTION_KEYS: key,
    };
    expect(loadCoordinatorConfig(fromFile, readFile).databaseUrl).toBe(
      'postgres://app:s3cret@db/app',
    );
    const unreadable = () =>
      loadCoordinatorConfig({ ...fromFile, DATABASE_URL_FILE: '/run/db/missing' }, readFile);
    expect(unreadable).toThrow(/DATABASE_URL_FILE: cannot be read/);
    const both = () =>
      loadCoordinatorConfig({ ...fromFile, DATABASE_URL: 'postgres://u@h/db' }, readFile);
    expect(both).toThrow(/DATABASE_URL_FILE: set either it or DATABASE_URL, not both/);
    files['/run/db/empty'] = '\n';
    const empty = () =>
      loadCoordinatorConfig({ ...fromFile, DATABASE_URL_FILE: '/run/db/empty' }, readFile);
    expect(empty).toThrow(/DATABASE_URL_FILE: the file is empty/);
    files['/run/db/bad'] = 'mysql://admin:s3cret@db';
    const wrong = () =>
      loadCoordinatorConfig({ ...fromFile, DATABASE_URL_FILE: '/run/db/bad' }, readFile);
    expect(wrong).toThrow(/DATABASE_URL: expected a postgres/);
    expect(wrong).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('refuses RUN_MIGRATIONS=false without a database to have been migrated by a job', () => {
    expect(() => loadCoordinatorConfig({ RUN_MIGRATIONS: 'false' })).toThrow(
      /RUN_MIGRATIONS: false needs DATABASE_URL/,
    );
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

  it('bounds every database call by default and reads each timeout', () => {
    expect(loadCoordinatorConfig({}).databaseTimeouts).toEqual({
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      lockTimeoutMs: 10_000,
      idleInTransactionTimeoutMs: 60_000,
      queryTimeoutMs: 35_000,
      keepAlive: true,
      keepAliveInitialDelayMs: 10_000,
    });
    const config = loadCoordinatorConfig({
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
      DATABASE_LOCK_TIMEOUT_MS: '500',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0',
      DATABASE_QUERY_TIMEOUT_MS: '0',
      DATABASE_KEEPALIVE: 'false',
      DATABASE_KEEPALIVE_INITIAL_DELAY_MS: '1000',
      DATABASE_APPLICATION_NAME: 'coordinator-eu-1',
    });
    expect(config.databaseTimeouts).toEqual({
      connectTimeoutMs: 2_000,
      statementTimeoutMs: 0,
      lockTimeoutMs: 500,
      idleInTransactionTimeoutMs: 0,
      queryTimeoutMs: 0,
      keepAlive: false,
      keepAliveInitialDelayMs: 1_000,
    });
    expect(config.databaseApplicationName).toBe('coordinator-eu-1');
  });

  it('refuses a negative timeout, and a client query timeout the statement timeout would outlast', () => {
    expect(() => loadCoordinatorConfig({ DATABASE_LOCK_TIMEOUT_MS: '-1' })).toThrow(
      /DATABASE_LOCK_TIMEOUT_MS/,
    );
    expect(() =>
      loadCoordinatorConfig({
        DATABASE_STATEMENT_TIMEOUT_MS: '30000',
        DATABASE_QUERY_TIMEOUT_MS: '30000',
      }),
    ).toThrow(/DATABASE_QUERY_TIMEOUT_MS: must be longer than DATABASE_STATEMENT_TIMEOUT_MS/);
  });
});
