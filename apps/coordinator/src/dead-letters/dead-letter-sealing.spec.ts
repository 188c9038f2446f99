import { HEADERS, topicNames } from '#contracts';
import { createSagaRegistry } from '#saga-core';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { deadLetterSealing } from './dead-letter-sealing.js';

const cipher = new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`));
const sealing = deadLetterSealing(
  new SensitiveData(createSagaRegistry([orderSaga]), cipher),
  cipher,
);
const reply = JSON.stringify({ sagaId: 'saga-1', outcome: { result: { token: 'tok_secret' } } });
const replies = topicNames('staging.').replies;

describe('deadLetterSealing', () => {
  it('seals the dead letter of a saga whose type has sensitive fields, bound to its saga', () => {
    const headers = { [HEADERS.sagaType]: 'order', [HEADERS.sagaId]: 'saga-1' };
    const sealed = sealing.seal(headers, reply, replies);
    expect(sealed).toBeDefined();
    expect(sealed).not.toContain('tok_secret');
    expect(sealing.open(headers, sealed!)).toBe(reply);
  });

  it('seals, fail closed, a reply that names no saga type, and one that names no saga id', () => {
    // The contract leaves a reply's headers optional: only the kit sends them.
    const noType: Record<string, string> = {};
    for (const headers of [noType, { [HEADERS.sagaType]: 'order' }]) {
      expect(sealing.mayHoldSensitive(headers, replies)).toBe(true);
      const sealed = sealing.seal(headers, reply, replies);
      expect(sealed).toBeDefined();
      expect(sealed).not.toContain('tok_secret');
      expect(sealing.open(headers, sealed!)).toBe(reply);
    }
  });

  it('leaves alone what names a type without sensitive fields, and a start (redacted when read)', () => {
    expect(sealing.seal({ [HEADERS.sagaType]: 'refund' }, reply, replies)).toBeUndefined();
    expect(sealing.mayHoldSensitive({}, topicNames('staging.').start)).toBe(false);
    expect(sealing.seal({}, '{"sagaType":"order"}', topicNames('staging.').start)).toBeUndefined();
  });
});
