import { z } from 'zod';
import {
  kafkaSecurityEnvironmentSchema,
  kafkaSecurityOf,
  variableFileReader,
  type KafkaSecurityConfig,
  type ReadFile,
} from '#messaging';
import { apiKeyListSchema, type ApiKeyRecord } from '../security/api-keys.js';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../security/jwt-verifier.js';
import { parseKeyring, KeyringError, type Keyring } from '../security/keyring.js';

/** How the HTTP API authenticates: not at all (embedded default), or by API keys and/or JWT. */
export type AuthConfig =
  | { readonly mode: 'open' }
  | {
      readonly mode: 'closed';
      readonly apiKeys: readonly ApiKeyRecord[];
      readonly jwt?: {
        readonly issuer: string;
        readonly audience: string;
        readonly algorithms: readonly JwtAlgorithm[];
        readonly publicKeyPem?: string;
        readonly secret?: string;
      };
    };

/** The security part of the coordinator's configuration. */
export interface SecurityConfig {
  readonly auth: AuthConfig;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  /** The largest saga input accepted, as serialised JSON in bytes. */
  readonly maxContextBytes: number;
  /** Keys that encrypt sensitive fields; absent: a per-process key (embedded mode only). */
  readonly encryption?: Keyring;
  readonly kafka: KafkaSecurityConfig;
}

const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** The variables read here (all optional; see docs/CONFIGURATION.md). */
export const securityEnvironmentSchema = z
  .object({
    AUTH_MODE: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.enum(['open', 'closed']).optional(),
    ),
    API_KEYS: text,
    API_KEYS_FILE: text,
    JWT_ISSUER: text,
    JWT_AUDIENCE: text,
    JWT_ALGORITHMS: text,
    JWT_PUBLIC_KEY_FILE: text,
    JWT_SECRET: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(32, 'expected at least 32 characters').optional(),
    ),
    RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(50),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(100),
    MAX_CONTEXT_BYTES: z.coerce.number().int().min(1_024).max(1_000_000).default(65_536),
    ENCRYPTION_KEYS: text,
    ENCRYPTION_KEYS_FILE: text,
    ENCRYPTION_KEY_ID: text,
  })
  .extend(kafkaSecurityEnvironmentSchema.shape);
type SecurityEnvironment = z.infer<typeof securityEnvironmentSchema>;

/** What the rest of the configuration says about the deployment. */
export interface DeploymentShape {
  /** Neither a database nor a broker is configured: authentication may default to open. */
  readonly embedded: boolean;
  /** Saga data outlives the process (a real or on-disk database): encryption keys are required. */
  readonly persistentData: boolean;
}

/**
 * Builds the security configuration; pushes a problem per bad variable (`NAME: why`, never its
 * value) into `problems`.
 */
export function securityConfigOf(
  env: SecurityEnvironment,
  { embedded, persistentData }: DeploymentShape,
  readFile: ReadFile,
  problems: string[],
): SecurityConfig {
  const read = variableFileReader(env, readFile, problems);
  const encryption = keyringOf(env.ENCRYPTION_KEYS ?? read('ENCRYPTION_KEYS_FILE'), env, problems);
  if (encryption === undefined && persistentData) {
    problems.push(
      'ENCRYPTION_KEYS: required with DATABASE_URL or EMBEDDED_DATA_DIR (or ENCRYPTION_KEYS_FILE)',
    );
  }
  return {
    auth: authOf(env, embedded, read, problems),
    rateLimit: { perSecond: env.RATE_LIMIT_PER_SECOND, burst: env.RATE_LIMIT_BURST },
    maxContextBytes: env.MAX_CONTEXT_BYTES,
    ...(encryption ? { encryption } : {}),
    kafka: kafkaSecurityOf(env, read, problems),
  };
}

function keyringOf(
  keys: string | undefined,
  env: SecurityEnvironment,
  problems: string[],
): Keyring | undefined {
  if (keys === undefined) return undefined;
  try {
    return parseKeyring(keys, env.ENCRYPTION_KEY_ID);
  } catch (error) {
    problems.push(
      `ENCRYPTION_KEYS: ${error instanceof KeyringError ? error.message : 'malformed'}`,
    );
    return undefined;
  }
}

function authOf(
  env: SecurityEnvironment,
  embedded: boolean,
  read: (name: keyof SecurityEnvironment) => string | undefined,
  problems: string[],
): AuthConfig {
  const mode = env.AUTH_MODE ?? (embedded ? 'open' : 'closed');
  if (mode === 'open') return { mode };
  if (env.API_KEYS !== undefined && env.API_KEYS_FILE !== undefined) {
    problems.push('API_KEYS_FILE: set either it or API_KEYS, not both');
  }
  const keysText = env.API_KEYS ?? read('API_KEYS_FILE');
  let apiKeys: ApiKeyRecord[] = [];
  if (keysText !== undefined) {
    const parsed = parseJson(keysText);
    const checked = apiKeyListSchema.safeParse(parsed);
    if (parsed === undefined) problems.push('API_KEYS: not valid JSON');
    else if (checked.success) apiKeys = checked.data;
    else {
      const issue = checked.error.issues[0];
      problems.push(
        `API_KEYS: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
      );
    }
  }
  const jwt = jwtOf(env, read, problems);
  return { mode, apiKeys, ...(jwt ? { jwt } : {}) };
}

function jwtOf(
  env: SecurityEnvironment,
  read: (name: keyof SecurityEnvironment) => string | undefined,
  problems: string[],
): Extract<AuthConfig, { mode: 'closed' }>['jwt'] {
  const publicKeyPem = read('JWT_PUBLIC_KEY_FILE');
  const secret = env.JWT_SECRET;
  const any = env.JWT_ISSUER ?? env.JWT_AUDIENCE ?? publicKeyPem ?? secret;
  if (any === undefined) return undefined;
  if (env.JWT_ISSUER === undefined) problems.push('JWT_ISSUER: required to accept bearer tokens');
  if (env.JWT_AUDIENCE === undefined)
    problems.push('JWT_AUDIENCE: required to accept bearer tokens');
  if ((publicKeyPem === undefined) === (secret === undefined)) {
    problems.push('JWT_PUBLIC_KEY_FILE: set either it or JWT_SECRET');
  }
  const fallback = secret !== undefined ? 'HS256' : 'RS256,ES256';
  const algorithms = (env.JWT_ALGORITHMS ?? fallback).split(',').map((name) => name.trim());
  const bad = algorithms.filter((name) => !(JWT_ALGORITHMS as readonly string[]).includes(name));
  if (bad.length > 0) problems.push(`JWT_ALGORITHMS: not allowed: ${bad.join(', ')}`);
  const symmetric = algorithms.some((name) => name.startsWith('HS'));
  if (symmetric && secret === undefined) problems.push('JWT_ALGORITHMS: HS* needs JWT_SECRET');
  if (!symmetric && secret !== undefined) problems.push('JWT_ALGORITHMS: JWT_SECRET needs HS*');
  return {
    issuer: env.JWT_ISSUER ?? '',
    audience: env.JWT_AUDIENCE ?? '',
    algorithms: algorithms as JwtAlgorithm[],
    ...(publicKeyPem !== undefined ? { publicKeyPem } : {}),
    ...(secret !== undefined ? { secret } : {}),
  };
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
