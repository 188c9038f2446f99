import { ConfigError, loadCoordinatorConfig } from './coordinator-config.js';

describe('loadCoordinatorConfig', () => {
  it('uses the defaults of the embedded mode when nothing is configured', () => {
    expect(loadCoordinatorConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseSchema: 'public',
    });
  });

  it('reads the brokers as a list and keeps the database url', () => {
    const config = loadCoordinatorConfig({
      KAFKA_BROKERS: 'a:9092,b:9093',
      DATABASE_URL: 'postgres://u@h:5432/db',
      PORT: '8080',
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
});
