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
    expect(resolveConnection(sources({ url: 'http://flag:2', timeout: '500' }, env))).toMatchObject(
      { url: 'http://flag:2', apiKey: 'env-key', timeoutMs: 500 },
    );
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
    expect(refusal(sources({}, {}, { [FILE]: '{' }))).toContain('is not JSON');
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
