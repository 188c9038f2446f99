import { kafkaSecurityOptions, loadKafkaSecurity } from './kafka-security.js';
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

describe('loadKafkaSecurity', () => {
  const files: Record<string, string> = { '/run/ca.pem': 'CA', '/run/password': 'hunter2\n' };
  const readFile = (path: string) => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: ${path}`);
    return content;
  };

  it('is plaintext without a variable (local brokers)', () => {
    expect(loadKafkaSecurity({}, readFile)).toEqual({});
  });

  it('reads the CA and the SASL password from the files the variables name', () => {
    const config = loadKafkaSecurity(
      {
        KAFKA_SSL_CA_FILE: '/run/ca.pem',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD_FILE: '/run/password',
      },
      readFile,
    );
    expect(config).toEqual({
      ssl: { ca: 'CA' },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'hunter2' },
    });
  });

  it('names every bad variable at once, and never a value', () => {
    const load = () =>
      loadKafkaSecurity(
        {
          KAFKA_SSL_CERT_FILE: '/run/ca.pem',
          KAFKA_SASL_PASSWORD: 'hunter2',
          KAFKA_SSL_CA_FILE: '/run/missing.pem',
        },
        readFile,
      );
    expect(load).toThrow(/KAFKA_SSL_CA_FILE: cannot read the file/);
    expect(load).toThrow(/KAFKA_SSL_CERT_FILE: set together with KAFKA_SSL_KEY_FILE/);
    expect(load).toThrow(/KAFKA_SASL_MECHANISM: required with a SASL user or password/);
    expect(load).not.toThrow(/hunter2|missing\.pem/);
  });

  it('refuses a mechanism it does not know', () => {
    expect(() => loadKafkaSecurity({ KAFKA_SASL_MECHANISM: 'gssapi' }, readFile)).toThrow(
      /KAFKA_SASL_MECHANISM/,
    );
  });
});
