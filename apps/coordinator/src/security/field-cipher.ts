import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mapPaths, type JsonValue } from '#contracts';
import type { Keyring } from './keyring.js';

/** Every encrypted value is a string with this prefix: `enc:v1:<key id>:<iv>:<tag>:<ciphertext>`. */
export const SEALED_PREFIX = 'enc:v1:';

/** A sealed value cannot be opened: unknown key, or tampered with (GCM tag mismatch). */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

/**
 * Encrypts JSON values with AES-256-GCM under the keyring's active key; the key id is stored in
 * the sealed string so that any listed key opens it (rotation without downtime). The associated
 * data (e.g. the saga id) binds a sealed value to its row: copied elsewhere, it will not open.
 */
export class FieldCipher {
  constructor(private readonly keyring: Keyring) {}

  seal(value: JsonValue, associatedData: string): string {
    const keyId = this.keyring.activeKeyId;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyring.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
    ]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return `${SEALED_PREFIX}${keyId}:${parts.join(':')}`;
  }

  open(sealed: string, associatedData: string): JsonValue {
    const [keyId, iv, tag, ciphertext] = sealed.slice(SEALED_PREFIX.length).split(':');
    const key = keyId === undefined ? undefined : this.keyring.keys.get(keyId);
    if (key === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new UnsealError(`no key ${keyId ?? '?'} to open a sealed value`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as JsonValue;
    } catch {
      throw new UnsealError(
        `a value sealed with key ${keyId} does not open (tampered or misplaced)`,
      );
    }
  }

  /**
   * A copy of `document` with the values at `paths` sealed. Every value is sealed, even one that
   * looks sealed already: a caller's string that mimics the format must come back as it was.
   */
  sealPaths<T>(document: T, paths: readonly string[], associatedData: string): T {
    return mapPaths(document, paths, (value) => this.seal(value, associatedData));
  }

  /** A copy of `document` with the sealed values at `paths` opened. */
  openPaths<T>(document: T, paths: readonly string[], associatedData: string): T {
    return mapPaths(document, paths, (value) =>
      isSealed(value) ? this.open(value, associatedData) : value,
    );
  }
}

/** Whether a stored value is a sealed one. */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}
