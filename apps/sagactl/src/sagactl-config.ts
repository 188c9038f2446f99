import { join } from 'node:path';
import { UsageError } from './exit-codes.js';
import { jsonFaultPlace } from './json-fault.js';

/** Where and how to reach the coordinator. */
export interface Connection {
  /** The API's base URL, without a trailing slash. */
  readonly url: string;
  /** Sent as `Authorization: ApiKey <key>`; never printed. */
  readonly apiKey?: string;
  /** How long one request may take, in ms (default 30 000). */
  readonly timeoutMs: number;
}

/** What a connection is read from: the flags, the environment, and the profile file. */
export interface ConnectionSources {
  readonly flags: {
    readonly url?: string;
    readonly apiKey?: string;
    readonly profile?: string;
    readonly timeout?: string;
  };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** Reads a file as UTF-8; throws (ENOENT...) as node:fs does. */
  readonly readText: (path: string) => string;
}

/** The URL of the embedded `npm start`, when nothing names another. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** Per request, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A profile of the file: where one coordinator is, and the key to use there. */
interface Profile {
  readonly url?: string;
  readonly apiKey?: string;
}

/** The profile file: `{"profiles": {"name": {"url": ..., "apiKey": ...}}, "default": "name"}`. */
interface ProfileFile {
  readonly profiles?: Readonly<Record<string, Profile>>;
  readonly default?: string;
}

/** Where a URL and a key were read, named in messages (never the value: it may be secret). */
type SourceName = '--url/--api-key' | 'SAGACTL_URL/SAGACTL_API_KEY' | 'the profile';

/** A place that may name a coordinator and the key to use there. */
interface Source extends Profile {
  readonly name: SourceName;
}

/** The longest `--timeout` and `--interval`, in ms: one hour. */
export const MAX_WAIT_MS = 3_600_000;

/**
 * The connection. The URL and the key come as a pair, from the first of these that names a URL:
 * the flags (`--url`, `--api-key`); then the profile `--profile` names, if it names one, and
 * not the environment; otherwise `SAGACTL_URL` / `SAGACTL_API_KEY`, then the file's default
 * profile; then {@link DEFAULT_URL}. A key given without a URL (`--api-key` alone) goes to the
 * URL of the places below it; a key of a place below the URL's is used only when that place
 * names the same URL, so a key is never sent to a coordinator it was not given for.
 * Throws a UsageError for an unreadable file, an unknown profile, a URL that is not http(s) or
 * carries credentials, a key that is empty or not printable ASCII, or a bad timeout; the
 * messages never repeat a URL or a key as given.
 */
export function resolveConnection(sources: ConnectionSources): Connection {
  const { flags, env } = sources;
  if (flags.apiKey === '') throw new UsageError('--api-key must not be empty');
  const config = readConfig(sources);
  const named: Source[] =
    flags.profile !== undefined
      ? [{ name: 'the profile', ...profileNamed(config, flags.profile) }]
      : [
          {
            name: 'SAGACTL_URL/SAGACTL_API_KEY',
            url: env['SAGACTL_URL'] || undefined,
            apiKey: env['SAGACTL_API_KEY'] || undefined,
          },
          ...(config.default === undefined
            ? []
            : [{ name: 'the profile' as const, ...profileNamed(config, config.default) }]),
        ];
  const layers: Source[] = [
    { name: '--url/--api-key', url: flags.url, apiKey: flags.apiKey },
    ...named,
  ];
  // From the bottom up: each place that names a URL replaces the pair, keeping the key below
  // only when it names the same URL; a place with a key alone gives it to the URL below.
  // `url` is kept as baseUrlOf gives it, so that the same URL compares equal.
  let pair: { url: string; apiKey?: string; from?: SourceName } = { url: DEFAULT_URL };
  for (const layer of [...layers].reverse()) {
    if (layer.url !== undefined) {
      const url = baseUrlOf(layer.url, layer.name);
      const apiKey = layer.apiKey ?? (url === pair.url ? pair.apiKey : undefined);
      pair = { url, ...(apiKey === undefined ? {} : { apiKey }), from: layer.name };
    } else if (layer.apiKey !== undefined) {
      pair = { ...pair, apiKey: layer.apiKey };
    }
  }
  const apiKey = pair.apiKey;
  if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new UsageError(
      'the API key holds a character that is not printable ASCII (a space, a newline...): check how it was copied',
    );
  }
  return {
    url: baseUrlOf(pair.url, pair.from),
    ...(apiKey === undefined ? {} : { apiKey }),
    timeoutMs: timeoutOf(flags.timeout),
  };
}

/** The profile file: `SAGACTL_CONFIG`, else `~/.config/sagactl/config.json` (if it exists). */
export function configPath(env: ConnectionSources['env'], homeDir: string): string {
  const base = env['XDG_CONFIG_HOME'] || join(homeDir, '.config');
  return env['SAGACTL_CONFIG'] || join(base, 'sagactl', 'config.json');
}

function readConfig(sources: ConnectionSources): ProfileFile {
  const path = configPath(sources.env, sources.homeDir);
  let text: string;
  try {
    text = sources.readText(path);
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ENOENT';
    // The default file is optional; one named by SAGACTL_CONFIG must be there.
    if (missing && !sources.env['SAGACTL_CONFIG']) return { profiles: {} };
    throw new UsageError(`cannot read the profile file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the fault, and the file holds keys: only say where.
    throw new UsageError(`the profile file ${path} is ${jsonFaultPlace(text)}`);
  }
  const problems = profileFileProblems(json);
  if (problems.length > 0) {
    throw new UsageError(`the profile file ${path} is not valid: ${problems.join('; ')}`);
  }
  return json as ProfileFile;
}

/** What is wrong with a profile file, each problem named by its path; none when it is valid. */
export function profileFileProblems(json: unknown): string[] {
  if (!isObject(json)) return ['(root): expected an object'];
  const problems = Object.keys(json)
    .filter((key) => key !== 'profiles' && key !== 'default')
    .map((key) => `${key}: unknown field (expected profiles, default)`);
  if (json['default'] !== undefined && typeof json['default'] !== 'string') {
    problems.push('default: expected a profile name');
  }
  const profiles = json['profiles'] ?? {};
  if (!isObject(profiles)) return [...problems, 'profiles: expected an object'];
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isObject(profile)) {
      problems.push(`profiles.${name}: expected an object`);
      continue;
    }
    for (const [field, value] of Object.entries(profile)) {
      if (field !== 'url' && field !== 'apiKey') {
        problems.push(`profiles.${name}.${field}: unknown field (expected url, apiKey)`);
      } else if (typeof value !== 'string' || value === '') {
        problems.push(`profiles.${name}.${field}: expected a string`);
      }
    }
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function profileNamed(config: ProfileFile, name: string): Profile {
  const profile = config.profiles?.[name];
  if (profile !== undefined) return profile;
  const known = Object.keys(config.profiles ?? {});
  const listed = known.length === 0 ? 'there are none' : `known: ${known.join(', ')}`;
  throw new UsageError(`no profile named '${name}' (${listed})`);
}

/** The URL without a trailing slash; a UsageError naming where it came from, not what it is. */
function baseUrlOf(text: string, from: SourceName | undefined): string {
  const where = from === undefined ? '' : ` (from ${from})`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `the coordinator's URL${where} is not a URL (expected e.g. ${DEFAULT_URL})`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `the coordinator's URL${where} must be http or https, not ${url.protocol}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      `the coordinator's URL${where} carries credentials (user:password@): give the key with --api-key, SAGACTL_API_KEY or a profile`,
    );
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

function timeoutOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = Number(text);
  if (text.trim() === '' || !Number.isInteger(ms) || ms < 1 || ms > MAX_WAIT_MS) {
    throw new UsageError(
      `--timeout must be a whole number of milliseconds from 1 to ${MAX_WAIT_MS}, not '${text}'`,
    );
  }
  return ms;
}
