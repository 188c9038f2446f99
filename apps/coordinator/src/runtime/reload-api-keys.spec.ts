import { ApiKeyDirectory, hashApiKey } from '../security/api-keys.js';
import { Authenticator } from '../security/authenticator.js';
import { reloadApiKeys } from './reload-api-keys.js';

const key = 'ops-key-0123456789abcdef0123456789abcdef';
const record = (revoked: boolean) =>
  JSON.stringify([
    { id: 'ops-1', client: 'ops', roles: ['operate'], sha256: hashApiKey(key), revoked },
  ]);
const env = {
  KAFKA_BROKERS: 'k:9092',
  ALLOW_PARTIAL_EMBEDDED: 'true',
  API_KEYS_FILE: '/run/api-keys.json',
};

describe('reloadApiKeys', () => {
  const lines: string[] = [];
  const logger = {
    log: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(line),
  };

  it('revokes a key without a restart, and keeps the keys in use when the file is broken', async () => {
    let file = record(false);
    const authenticator = new Authenticator({
      mode: 'closed',
      apiKeys: new ApiKeyDirectory(JSON.parse(file) as never),
    });
    expect((await authenticator.authenticate({ 'x-api-key': key })).id).toBe('key:ops');

    file = record(true);
    reloadApiKeys(authenticator, env, logger, () => file);
    await expect(authenticator.authenticate({ 'x-api-key': key })).rejects.toThrow(
      'invalid API key',
    );
    expect(lines.at(-1)).toBe('API keys reloaded: 0 active, 1 revoked');

    file = record(false);
    reloadApiKeys(authenticator, env, logger, () => file);
    file = 'not json';
    reloadApiKeys(authenticator, env, logger, () => file);
    expect(lines.at(-1)).toMatch(
      /^API keys not reloaded, the previous ones stay in use: [\s\S]*API_KEYS: not valid JSON/,
    );
    expect((await authenticator.authenticate({ 'x-api-key': key })).id).toBe('key:ops');
  });

  it('says that keys set in API_KEYS cannot be reloaded, and keeps them', async () => {
    const authenticator = new Authenticator({
      mode: 'closed',
      apiKeys: new ApiKeyDirectory(JSON.parse(record(false)) as never),
    });
    // A running process's environment cannot change: only API_KEYS_FILE can be read anew.
    reloadApiKeys(
      authenticator,
      { KAFKA_BROKERS: 'k:9092', ALLOW_PARTIAL_EMBEDDED: 'true', API_KEYS: record(true) },
      logger,
    );

    expect(lines.at(-1)).toBe(
      'API keys not reloaded: they come from API_KEYS, which a running process cannot change (set API_KEYS_FILE to reload them)',
    );
    expect((await authenticator.authenticate({ 'x-api-key': key })).id).toBe('key:ops');
  });
});
