import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

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

/**
 * The connection, each setting from the first source that has it: the flags (`--url`,
 * `--api-key`); then the profile `--profile` names, if it names one, and nothing else (a key
 * meant for another coordinator is never sent along); otherwise `SAGACTL_URL` /
 * `SAGACTL_API_KEY`, then the file's default profile; then {@link DEFAULT_URL}, and no key.
 * Throws a UsageError for an unreadable file, an unknown profile, a URL that is not http(s) or
 * a bad timeout.
 */
export function resolveConnection(sources: ConnectionSources): Connection {
  const { flags, env } = sources;
  const config = readConfig(sources);
  const fromEnv = {
    url: env['SAGACTL_URL'] || undefined,
    apiKey: env['SAGACTL_API_KEY'] || undefined,
  };
  const layers: Profile[] = [
    { url: flags.url, apiKey: flags.apiKey },
    ...(flags.profile !== undefined
      ? [profileNamed(config, flags.profile)]
      : [fromEnv, config.default === undefined ? {} : profileNamed(config, config.default)]),
  ];
  const url = layers.find((layer) => layer.url !== undefined)?.url ?? DEFAULT_URL;
  const apiKey = layers.find((layer) => layer.apiKey !== undefined)?.apiKey;
  return {
    url: baseUrlOf(url),
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
  } catch (error) {
    throw new UsageError(`the profile file ${path} is not JSON: ${(error as Error).message}`);
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

function baseUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: '${text}' (expected e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the coordinator's URL must be http or https, not ${url.protocol}`);
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

function timeoutOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1) {
    throw new UsageError(`--timeout must be a whole number of milliseconds, not '${text}'`);
  }
  return ms;
}
