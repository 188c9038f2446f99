import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AuthenticationError } from './authentication-error.js';
import { ROLES, type Principal } from './principal.js';

/**
 * One API key as configured: only the SHA-256 of the key is kept (keys are random, 32 bytes or
 * more, so a plain hash is enough). A client may hold several keys (rotation); a revoked key is
 * refused like an unknown one.
 */
export const apiKeyRecordSchema = z.strictObject({
  /** Names the key in logs and configuration, never the secret: `shop-2026-11`. */
  id: z.string().regex(/^[\w.-]{1,100}$/, 'expected letters, digits, . _ or -'),
  client: z.string().regex(/^[\w.@-]{1,100}$/, 'expected letters, digits, . _ @ or -'),
  roles: z.array(z.enum(ROLES)).min(1),
  /** Limits the `start` role to these saga types; absent: every type. */
  sagaTypes: z.array(z.string().min(1).max(200)).min(1).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  revoked: z.boolean().default(false),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;

/** The list given in `API_KEYS` / `API_KEYS_FILE`; key ids are unique. */
export const apiKeyListSchema = z
  .array(apiKeyRecordSchema)
  .refine((keys) => new Set(keys.map((key) => key.id)).size === keys.length, 'duplicate key id');

/** The shortest key accepted, in characters: shorter ones are refused without a look-up. */
export const MIN_API_KEY_LENGTH = 32;

/** The hex SHA-256 of a key, as stored in the configuration. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Finds the principal of a presented API key among the configured ones. */
export class ApiKeyDirectory {
  private readonly byHash: ReadonlyMap<string, ApiKeyRecord>;

  constructor(records: readonly ApiKeyRecord[]) {
    this.byHash = new Map(records.map((record) => [record.sha256, record]));
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The key's principal; throws AuthenticationError for an unknown or revoked key. */
  authenticate(key: string): Principal {
    if (key.length < MIN_API_KEY_LENGTH || key.length > 512) {
      throw new AuthenticationError('invalid API key');
    }
    const hash = hashApiKey(key);
    const record = this.byHash.get(hash);
    // The map lookup already matched; the constant-time compare guards a future change of index.
    if (
      record === undefined ||
      record.revoked ||
      !timingSafeEqual(Buffer.from(record.sha256), Buffer.from(hash))
    ) {
      throw new AuthenticationError('invalid API key');
    }
    return {
      id: `key:${record.client}`,
      client: `key:${record.client}`,
      roles: new Set(record.roles),
      ...(record.sagaTypes ? { sagaTypes: new Set(record.sagaTypes) } : {}),
    };
  }
}
