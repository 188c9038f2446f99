import { UsageError } from './exit-codes.js';
import {
  configPath,
  profileFileProblems,
  resolveConnection,
  type ConnectionSources,
} from './sagactl-config.js';

const FILE = '/home/op/.config/sagactl/config.json';
const profiles = {
  profiles: {
    local: { url: 'http://127.0.0.1:3000', apiKey: 'local-key' },
    prod: { url: 'https://sagas.example.com/api/', apiKey: 'prod-key' },
  },
  default: 'local',
};

function sources(
  flags: ConnectionSources['flags'] = {},
  env: Record<string, string> = {},
  files: Record<string, string> = { [FILE]: JSON.stringify(profiles) },
): ConnectionSources {
  return {
    flags,
    env,
    homeDir: '/home/op',
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
}

const refusal = (given: ConnectionSources): string => {
  try {
    resolveConnection(given);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('accepted');
};

describe('resolveConnection', () => {
  it('takes the default profile when nothing else names a coordinator', () => {
    expect(resolveConnection(sources())).toEqual({
      url: 'http://127.0.0.1:3000',
      apiKey: 'local-key',
      timeoutMs: 30_000,
    });
  });

  it('lets the environment win over the default profile, and the flags over both', () => {
    const env = { SAGACTL_URL: 'http://env:1', SAGACTL_API_KEY: 'env-key' };
    expect(resolveConnection(sources({}, env))).toMatchObject({
      url: 'http://env:1',
      apiKey: 'env-key',
    });
    expect(
      resolveConnection(sources({ url: 'http://flag:2', apiKey: 'flag-key', timeout: '500' }, env)),
    ).toEqual({ url: 'http://flag:2', apiKey: 'flag-key', timeoutMs: 500 });
  });

  it('never sends a key to a URL another place names: the URL and the key come as a pair', () => {
    const env = { SAGACTL_URL: 'http://env:1', SAGACTL_API_KEY: 'env-key' };
    expect(resolveConnection(sources({ url: 'http://flag:2' }, env))).toEqual({
      url: 'http://flag:2',
      timeoutMs: 30_000,
    });
    expect(resolveConnection(sources({}, { SAGACTL_URL: 'https://other' }))).toEqual({
      url: 'https://other',
      timeoutMs: 30_000,
    });
    expect(resolveConnection(sources({ url: 'https://other' }))).toEqual({
      url: 'https://other',
      timeoutMs: 30_000,
    });
  });

  it('keeps the key of a place below when the URL above is the same one', () => {
    expect(resolveConnection(sources({ url: 'http://127.0.0.1:3000/' }))).toMatchObject({
      url: 'http://127.0.0.1:3000',
      apiKey: 'local-key',
    });
    const env = { SAGACTL_URL: 'http://env:1', SAGACTL_API_KEY: 'env-key' };
    expect(resolveConnection(sources({ url: 'http://env:1' }, env)).apiKey).toBe('env-key');
  });

  it('gives a key given without a URL to the URL of the places below', () => {
    expect(resolveConnection(sources({ apiKey: 'flag-key' }))).toMatchObject({
      url: 'http://127.0.0.1:3000',
      apiKey: 'flag-key',
    });
    expect(resolveConnection(sources({}, { SAGACTL_API_KEY: 'env-key' }))).toMatchObject({
      url: 'http://127.0.0.1:3000',
      apiKey: 'env-key',
    });
  });

  it('takes a profile named by --profile whole, the environment left out; flags still win', () => {
    const env = { SAGACTL_URL: 'http://env:1', SAGACTL_API_KEY: 'env-key' };
    expect(resolveConnection(sources({ profile: 'prod' }, env))).toMatchObject({
      url: 'https://sagas.example.com/api',
      apiKey: 'prod-key',
    });
    const withoutKey = {
      [FILE]: JSON.stringify({ profiles: { bare: { url: 'https://bare.example.com' } } }),
    };
    expect(resolveConnection(sources({ profile: 'bare' }, env, withoutKey))).toEqual({
      url: 'https://bare.example.com',
      timeoutMs: 30_000,
    });
    expect(resolveConnection(sources({ profile: 'prod', apiKey: 'flag-key' }, env))).toMatchObject({
      url: 'https://sagas.example.com/api',
      apiKey: 'flag-key',
    });
  });

  it('runs without a profile file, on the embedded coordinator by default', () => {
    expect(resolveConnection(sources({}, {}, {}))).toEqual({
      url: 'http://127.0.0.1:3000',
      timeoutMs: 30_000,
    });
  });

  it('reads the file SAGACTL_CONFIG names, and says when it is missing', () => {
    const env = { SAGACTL_CONFIG: '/etc/sagactl.json' };
    const files = { '/etc/sagactl.json': JSON.stringify(profiles) };
    expect(resolveConnection(sources({ profile: 'prod' }, env, files)).apiKey).toBe('prod-key');
    expect(refusal(sources({}, env, {}))).toContain(
      'cannot read the profile file /etc/sagactl.json',
    );
  });

  it('names an unknown profile and the known ones', () => {
    expect(refusal(sources({ profile: 'staging' }))).toBe(
      "no profile named 'staging' (known: local, prod)",
    );
  });

  it('refuses a file that is not JSON or not a profile file, naming the field', () => {
    expect(refusal(sources({}, {}, { [FILE]: '{\n  "apiKey": s3cret }' }))).toBe(
      `the profile file ${FILE} is not valid JSON (line 2, column 13)`,
    );
    const typo = { profiles: { local: { url: 'http://h:1', apikey: 'k' } } };
    expect(refusal(sources({}, {}, { [FILE]: JSON.stringify(typo) }))).toBe(
      `the profile file ${FILE} is not valid: profiles.local.apikey: unknown field (expected url, apiKey)`,
    );
  });

  it('refuses a URL that is not http(s), and a timeout that is not a whole number', () => {
    expect(refusal(sources({ url: 'ftp://h' }))).toContain('must be http or https');
    expect(refusal(sources({ url: 'localhost:3000' }))).toContain('must be http or https');
    expect(refusal(sources({ url: 'no url' }))).toContain('not a URL');
    expect(refusal(sources({ timeout: '1.5' }))).toContain('--timeout must be a whole number');
    expect(refusal(sources({ timeout: '3600001' }))).toContain('from 1 to 3600000');
  });

  it('refuses credentials in a URL and a key that is empty or not printable, never echoing them', () => {
    const inUrl = refusal(sources({ url: 'https://op:s3cret@sagas.example.com' }));
    expect(inUrl).toContain('carries credentials');
    expect(inUrl).not.toContain('s3cret');
    const inEnv = refusal(sources({}, { SAGACTL_URL: 'http://op:s3cret@h:1' }));
    expect(inEnv).toContain('(from SAGACTL_URL/SAGACTL_API_KEY) carries credentials');
    expect(inEnv).not.toContain('s3cret');
    const notAUrl = refusal(sources({ url: 's3cret not a url' }));
    expect(notAUrl).not.toContain('s3cret');
    expect(refusal(sources({ apiKey: '' }))).toBe('--api-key must not be empty');
    for (const apiKey of ['s3cret\n', 'two words', 'clé']) {
      const message = refusal(sources({ apiKey }));
      expect(message).toContain('not printable ASCII');
      expect(message).not.toContain('s3cret');
    }
  });
});

describe('configPath', () => {
  it('is SAGACTL_CONFIG, else under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ SAGACTL_CONFIG: '/x.json' }, '/home/op')).toBe('/x.json');
    expect(configPath({ XDG_CONFIG_HOME: '/cfg' }, '/home/op')).toBe('/cfg/sagactl/config.json');
    expect(configPath({}, '/home/op')).toBe(FILE);
  });
});

describe('profileFileProblems', () => {
  it('accepts a file with no profiles at all', () => {
    expect(profileFileProblems({})).toEqual([]);
  });

  it('names every bad field', () => {
    expect(
      profileFileProblems({ default: 1, extra: true, profiles: { a: 'x', b: { url: 2 } } }),
    ).toEqual([
      'extra: unknown field (expected profiles, default)',
      'default: expected a profile name',
      'profiles.a: expected an object',
      'profiles.b.url: expected a string',
    ]);
  });
});
