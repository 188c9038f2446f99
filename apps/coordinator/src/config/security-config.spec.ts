import { ConfigError, loadCoordinatorConfig } from './coordinator-config.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const real = { KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://u@h/db' };
const keys = { ENCRYPTION_KEYS: `k1:${key(1)}` };
const apiKey = {
  id: 'shop-1',
  client: 'shop',
  roles: ['start'],
  sha256: 'a'.repeat(64),
};
const files: Record<string, string> = {
  '/run/keys': `# rotated 2026-11\nold:${key(1)}\nnew:${key(2)}\n`,
  '/run/api-keys.json': JSON.stringify([apiKey]),
  '/run/ca.pem': 'CA PEM',
  '/run/sasl-password': 'hunter2\n',
};
const readFile = (path: string) => {
  const content = files[path];
  if (content === undefined) throw new Error(`ENOENT ${path}`);
  return content;
};
const load = (env: Record<string, string>) => loadCoordinatorConfig(env, readFile);

describe('the security configuration', () => {
  it('is open in the embedded mode, with a per-process encryption key', () => {
    const { security } = load({});
    expect(security.auth).toEqual({ mode: 'open' });
    expect(security.encryption).toBeUndefined();
  });

  it('is closed as soon as a broker or a database is configured', () => {
    expect(load({ ...real, ...keys }).security.auth).toEqual({ mode: 'closed', apiKeys: [] });
    const broker = { KAFKA_BROKERS: 'k:9092', ALLOW_PARTIAL_EMBEDDED: 'true' };
    expect(load(broker).security.auth.mode).toBe('closed');
  });

  it('requires encryption keys when saga data outlives the process', () => {
    expect(() => load(real)).toThrow(/ENCRYPTION_KEYS: required/);
    expect(() => load({ EMBEDDED_DATA_DIR: '/data' })).toThrow(/ENCRYPTION_KEYS: required/);
  });

  it('reads keys from a file, the first active unless ENCRYPTION_KEY_ID names another', () => {
    const first = load({ ...real, ENCRYPTION_KEYS_FILE: '/run/keys' }).security.encryption;
    expect(first?.activeKeyId).toBe('old');
    expect([...(first?.keys.keys() ?? [])]).toEqual(['old', 'new']);
    const rotated = load({ ...real, ENCRYPTION_KEYS_FILE: '/run/keys', ENCRYPTION_KEY_ID: 'new' });
    expect(rotated.security.encryption?.activeKeyId).toBe('new');
  });

  it('refuses a short key, an unknown active key and an unreadable file, echoing no key', () => {
    const short = Buffer.alloc(16, 9).toString('base64');
    expect(() => load({ ...real, ENCRYPTION_KEYS: `k1:${short}` })).toThrow(/k1: expected 32/);
    expect(() => load({ ...real, ENCRYPTION_KEYS: `k1:${short}` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
    expect(() => load({ ...real, ...keys, ENCRYPTION_KEY_ID: 'k9' })).toThrow(/k9 is not listed/);
    expect(() => load({ ...real, ENCRYPTION_KEYS_FILE: '/nope' })).toThrow(
      /ENCRYPTION_KEYS_FILE: cannot read/,
    );
  });

  it('reads API key hashes inline or from a file and names a bad entry', () => {
    const inline = load({ ...real, ...keys, API_KEYS: JSON.stringify([apiKey]) }).security.auth;
    expect(inline).toMatchObject({ mode: 'closed', apiKeys: [{ ...apiKey, revoked: false }] });
    const fromFile = load({ ...real, ...keys, API_KEYS_FILE: '/run/api-keys.json' });
    expect(fromFile.security.auth).toEqual(inline);
    const bad = JSON.stringify([{ ...apiKey, roles: ['admin'] }]);
    expect(() => load({ ...real, ...keys, API_KEYS: bad })).toThrow(/API_KEYS: 0.roles.0/);
    expect(() => load({ ...real, ...keys, API_KEYS: 'not json' })).toThrow(/API_KEYS/);
    // Both: the file would be ignored, and a key revoked in it would go on working.
    const both = { API_KEYS: JSON.stringify([apiKey]), API_KEYS_FILE: '/run/api-keys.json' };
    expect(() => load({ ...real, ...keys, ...both })).toThrow(
      /API_KEYS_FILE: set either it or API_KEYS, not both/,
    );
  });

  it('accepts JWT settings only when complete and coherent, never with alg none', () => {
    const jwt = {
      JWT_ISSUER: 'https://idp',
      JWT_AUDIENCE: 'coordinator',
      JWT_SECRET: 's'.repeat(32),
    };
    expect(load({ ...real, ...keys, ...jwt }).security.auth).toMatchObject({
      jwt: { issuer: 'https://idp', audience: 'coordinator', algorithms: ['HS256'] },
    });
    expect(() => load({ ...real, ...keys, JWT_ISSUER: 'https://idp' })).toThrow(
      /JWT_AUDIENCE: required[\s\S]*JWT_PUBLIC_KEY_FILE: set either/,
    );
    expect(() => load({ ...real, ...keys, ...jwt, JWT_ALGORITHMS: 'none' })).toThrow(
      /JWT_ALGORITHMS: not allowed: none/,
    );
    expect(() => load({ ...real, ...keys, ...jwt, JWT_ALGORITHMS: 'RS256' })).toThrow(
      /JWT_SECRET needs HS/,
    );
    expect(() => load({ ...real, ...keys, ...jwt, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  it('maps Kafka TLS files and SCRAM credentials, and refuses half a configuration', () => {
    const kafka = load({
      ...real,
      ...keys,
      KAFKA_SSL_CA_FILE: '/run/ca.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'coordinator',
      KAFKA_SASL_PASSWORD_FILE: '/run/sasl-password',
    }).security.kafka;
    expect(kafka).toEqual({
      ssl: { ca: 'CA PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'coordinator', password: 'hunter2' },
    });
    expect(load({ ...real, ...keys, KAFKA_SSL: 'true' }).security.kafka).toEqual({ ssl: true });
    expect(load({ ...real, ...keys }).security.kafka).toEqual({});
    expect(() => load({ ...real, ...keys, KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /KAFKA_SASL_MECHANISM: required/,
    );
    expect(() =>
      load({ ...real, ...keys, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }),
    ).toThrow(/KAFKA_SASL_PASSWORD: required/);
    expect(() => load({ ...real, ...keys, KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(ConfigError);
  });

  it('reads the limits with their defaults', () => {
    expect(load({}).security).toMatchObject({
      rateLimit: { perSecond: 50, burst: 100 },
      maxContextBytes: 65_536,
    });
    expect(() => load({ MAX_CONTEXT_BYTES: '10' })).toThrow(/MAX_CONTEXT_BYTES/);
  });
});
