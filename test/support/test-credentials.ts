// Credentials of the tests: API keys per role, a JWT secret, an encryption key. Test-only
// values, made up here; a real deployment takes its own from the environment or files.
import { SignJWT } from 'jose';
import { hashApiKey } from '../../apps/coordinator/src/security/api-keys.js';
import type { Role } from '../../apps/coordinator/src/security/principal.js';

/** One test API key per caller; each key is 40 characters. */
export const TEST_KEYS = {
  admin: 'test-key-admin-0000000000000000000000000',
  reader: 'test-key-reader-000000000000000000000000',
  sensitiveReader: 'test-key-sensitive-reader-00000000000000',
  starter: 'test-key-starter-00000000000000000000000',
  orderStarter: 'test-key-order-starter-00000000000000000',
  operator: 'test-key-operator-0000000000000000000000',
  definer: 'test-key-definer-00000000000000000000000',
  revoked: 'test-key-revoked-00000000000000000000000',
} as const;

const ROLES_OF: Record<keyof typeof TEST_KEYS, Role[]> = {
  admin: ['read', 'read-sensitive', 'start', 'operate', 'define'],
  reader: ['read'],
  sensitiveReader: ['read', 'read-sensitive'],
  starter: ['start'],
  orderStarter: ['start'],
  operator: ['operate'],
  definer: ['define'],
  revoked: ['read', 'read-sensitive', 'start', 'operate'],
};

/** The `API_KEYS` value holding the hashes of {@link TEST_KEYS}. */
export const TEST_API_KEYS_JSON = JSON.stringify(
  Object.entries(TEST_KEYS).map(([name, key]) => ({
    id: `${name}-1`,
    client: name,
    roles: ROLES_OF[name as keyof typeof TEST_KEYS],
    sha256: hashApiKey(key),
    ...(name === 'orderStarter' ? { sagaTypes: ['order'] } : {}),
    ...(name === 'revoked' ? { revoked: true } : {}),
  })),
);

/** The headers that authenticate as `who`. */
export function asKey(who: keyof typeof TEST_KEYS): Record<string, string> {
  return { authorization: `ApiKey ${TEST_KEYS[who]}` };
}

/** The admin's headers: what tests that are not about authentication send. */
export const ADMIN_HEADERS = asKey('admin');

/** Bearer tokens of the tests: HS256 with this secret, issuer and audience. */
export const TEST_JWT = {
  secret: 'test-jwt-secret-0123456789abcdef0123456789',
  issuer: 'https://issuer.test',
  audience: 'saga-coordinator',
} as const;

/** A signed bearer token; `claims` override the defaults (expiry in one hour). */
export async function signTestToken(
  subject: string,
  roles: Role[],
  overrides: { audience?: string; issuer?: string; expiresAt?: number; sagaTypes?: string[] } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles, ...(overrides.sagaTypes ? { saga_types: overrides.sagaTypes } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(overrides.issuer ?? TEST_JWT.issuer)
    .setAudience(overrides.audience ?? TEST_JWT.audience)
    .setIssuedAt(now)
    .setExpirationTime(overrides.expiresAt ?? now + 3600)
    .sign(new TextEncoder().encode(TEST_JWT.secret));
}

/** A test encryption key (32 zero-free bytes, base64). */
export const TEST_ENCRYPTION_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`;

/**
 * What a config read only for its other parts is loaded with: a broker, no database (a shape a
 * coordinator refuses unless allowed, as here).
 */
export const CONFIG_ONLY: Record<string, string> = {
  KAFKA_BROKERS: 'k:9092',
  ALLOW_PARTIAL_EMBEDDED: 'true',
};

/** The variables a coordinator of the tests authenticates and encrypts with. */
export const TEST_SECURITY_ENV: Record<string, string> = {
  AUTH_MODE: 'closed',
  API_KEYS: TEST_API_KEYS_JSON,
  JWT_ISSUER: TEST_JWT.issuer,
  JWT_AUDIENCE: TEST_JWT.audience,
  JWT_SECRET: TEST_JWT.secret,
  ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
  // Load tests start hundreds of sagas a second as one client.
  RATE_LIMIT_PER_SECOND: '100000',
  RATE_LIMIT_BURST: '100000',
};
