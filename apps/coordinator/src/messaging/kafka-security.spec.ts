import { kafkaSecurityOptions } from './kafka-security.js';
import { resolveKafkaTransportOptions, toKafkaConfig } from './kafka-transport-options.js';

describe('kafkaSecurityOptions', () => {
  it('is nothing when nothing is configured (plaintext, for local brokers)', () => {
    expect(kafkaSecurityOptions({})).toEqual({});
  });

  it('always verifies the brokers’ certificates, with the system CAs or the given one', () => {
    expect(kafkaSecurityOptions({ ssl: true })).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaSecurityOptions({ ssl: { ca: 'CA', cert: 'C', key: 'K' } })).toEqual({
      ssl: { ca: 'CA', cert: 'C', key: 'K', rejectUnauthorized: true },
    });
  });

  it('passes SCRAM-SHA-512 credentials through to the kafkajs client configuration', () => {
    const sasl = { mechanism: 'scram-sha-512' as const, username: 'svc', password: 'hunter2' };
    const options = resolveKafkaTransportOptions({
      brokers: ['k:9093'],
      clientId: 'c',
      ...kafkaSecurityOptions({ ssl: true, sasl }),
    });
    expect(toKafkaConfig(options)).toMatchObject({ ssl: { rejectUnauthorized: true }, sasl });
  });

  it('refuses TLS options that turn certificate checks off', () => {
    expect(() =>
      resolveKafkaTransportOptions({
        brokers: ['k:9093'],
        clientId: 'c',
        ssl: { rejectUnauthorized: false },
      }),
    ).toThrow(/certificate checks cannot be turned off/);
  });
});
