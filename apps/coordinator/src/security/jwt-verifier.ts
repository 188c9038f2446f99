import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { AuthenticationError } from './authentication-error.js';
import { isRole, type Principal } from './principal.js';

/** Algorithms a token may be signed with; `none` is never among them. */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** How bearer tokens are checked. */
export interface JwtOptions {
  readonly issuer: string;
  readonly audience: string;
  /** The allow-list; a token signed otherwise is refused. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** A PEM public key (RS, PS, ES, EdDSA) or a shared secret of 32 bytes or more (HS). */
  readonly publicKeyPem?: string;
  readonly secret?: string;
  /** Leeway on `exp` and `nbf`, in seconds (default 30). */
  readonly clockToleranceSec?: number;
}

/**
 * Verifies bearer tokens: signature by an allowed algorithm, issuer, audience, expiry (required)
 * and subject (required). Roles come from the `roles` claim (unknown roles are ignored), the
 * saga types `start` is limited to from `saga_types`.
 */
export class JwtVerifier {
  private readonly key: KeyObject;

  constructor(private readonly options: JwtOptions) {
    if (options.publicKeyPem !== undefined) this.key = createPublicKey(options.publicKeyPem);
    else if (options.secret !== undefined) this.key = createSecretKey(options.secret, 'utf8');
    else throw new Error('a JWT verifier needs a public key or a secret');
  }

  async authenticate(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...this.options.algorithms],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSec ?? 30,
      }));
    } catch (error) {
      throw new AuthenticationError(`invalid bearer token: ${reasonOf(error)}`);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new AuthenticationError('invalid bearer token: claim sub refused');
    }
    const subject = payload.sub;
    const roles = listClaim(payload, 'roles')?.filter(isRole) ?? [];
    // Absent: every saga type. Present, it limits `start` whatever its shape: a single type as a
    // string is that type, and a value that names no type allows none.
    const sagaTypes =
      payload.saga_types === undefined ? undefined : (listClaim(payload, 'saga_types') ?? []);
    return {
      id: `jwt:${subject}`,
      client: `jwt:${subject}`,
      roles: new Set(roles),
      ...(sagaTypes ? { sagaTypes: new Set(sagaTypes) } : {}),
    };
  }
}

/**
 * A claim that lists strings: an array (its strings), or one string as a list of one, as some
 * identity providers send a single value; undefined when absent or of another shape.
 */
function listClaim(payload: Record<string, unknown>, claim: string): string[] | undefined {
  const value = payload[claim];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === 'string');
}

/** A short reason that never repeats the token. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} refused`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  return 'malformed or not verifiable';
}
