import { randomBytes } from 'node:crypto';

/** The keys that encrypt sensitive fields: one writes, all of them read (rotation). */
export interface Keyring {
  /** The key new data is encrypted with. */
  readonly activeKeyId: string;
  /** Every key data may still be encrypted with, by id; each 32 bytes (AES-256). */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** A key id: 1 to 32 letters, digits, `_` or `-` (it is stored beside each encrypted value). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Thrown for a malformed key list; the message never holds key material. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

/**
 * Parses `id:base64key` entries separated by commas or new lines (`#` starts a comment line).
 * The active key is `activeKeyId`, else the first listed.
 */
export function parseKeyring(text: string, activeKeyId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    if (separator < 0 || !KEY_ID_PATTERN.test(id)) {
      throw new KeyringError(`entry ${index + 1}: expected <key id>:<base64 of 32 bytes>`);
    }
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (key.length !== 32) throw new KeyringError(`key ${id}: expected 32 bytes in base64`);
    if (keys.has(id)) throw new KeyringError(`key ${id} is listed twice`);
    keys.set(id, key);
  }
  const active = activeKeyId ?? keys.keys().next().value;
  if (active === undefined) throw new KeyringError('no key listed');
  if (!keys.has(active)) throw new KeyringError(`the active key ${active} is not listed`);
  return { activeKeyId: active, keys };
}

/** A random key that lives as long as the process: for the embedded mode's in-memory database. */
export function ephemeralKeyring(): Keyring {
  return { activeKeyId: 'ephemeral', keys: new Map([['ephemeral', randomBytes(32)]]) };
}
