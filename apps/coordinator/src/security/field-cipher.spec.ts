import { FieldCipher, isSealed, UnsealError } from './field-cipher.js';
import { parseKeyring } from './keyring.js';

const k1 = Buffer.alloc(32, 1).toString('base64');
const k2 = Buffer.alloc(32, 2).toString('base64');

describe('FieldCipher', () => {
  const cipher = new FieldCipher(parseKeyring(`k1:${k1}`));
  const order = { orderId: 'o-1', payment: { cardToken: 'tok_4242' }, items: [{ sku: 'a' }] };

  it('seals the named fields with the key id beside them, and opens them back', () => {
    const sealed = cipher.sealPaths(order, ['payment.cardToken'], 'saga-1');
    expect(sealed.orderId).toBe('o-1');
    expect(sealed.payment.cardToken).toMatch(/^enc:v1:k1:/);
    expect(JSON.stringify(sealed)).not.toContain('tok_4242');
    expect(cipher.openPaths(sealed, ['payment.cardToken'], 'saga-1')).toEqual(order);
  });

  it('gives a new ciphertext each time, and keeps a value that mimics a sealed one', () => {
    expect(cipher.seal('x', 's')).not.toBe(cipher.seal('x', 's'));
    const mimic = { payment: { cardToken: 'enc:v1:k1:AAAA:BBBB:CCCC' } };
    const stored = cipher.sealPaths(mimic, ['payment.cardToken'], 's');
    expect(cipher.openPaths(stored, ['payment.cardToken'], 's')).toEqual(mimic);
  });

  it('refuses a value moved to another saga or tampered with', () => {
    const sealed = cipher.seal('tok_4242', 'saga-1');
    expect(() => cipher.open(sealed, 'saga-2')).toThrow(UnsealError);
    // One bit of the ciphertext flipped. (Rewriting the last base64 characters could leave the
    // bytes as they were: a last character's low bits carry no data; 1 run in ~256 did.)
    const parts = sealed.split(':');
    const ciphertext = Buffer.from(parts.at(-1)!, 'base64url');
    ciphertext[0]! ^= 1;
    const tampered = [...parts.slice(0, -1), ciphertext.toString('base64url')].join(':');
    expect(tampered).not.toBe(sealed);
    expect(() => cipher.open(tampered, 'saga-1')).toThrow(UnsealError);
  });

  it('rotates without downtime: data sealed under the old key opens once a new key writes', () => {
    const before = cipher.seal({ cardToken: 'tok' }, 's');
    const rotated = new FieldCipher(parseKeyring(`k1:${k1},k2:${k2}`, 'k2'));
    const after = rotated.seal({ cardToken: 'tok' }, 's');
    expect(after).toMatch(/^enc:v1:k2:/);
    expect(rotated.open(before, 's')).toEqual({ cardToken: 'tok' });
    expect(() => new FieldCipher(parseKeyring(`k2:${k2}`)).open(before, 's')).toThrow(/no key k1/);
    expect(isSealed(after)).toBe(true);
  });
});
