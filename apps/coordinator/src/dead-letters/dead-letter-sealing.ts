import { HEADERS } from '#contracts';
import type { DeadLetterSealer } from './dead-letter-sealer.js';
import type { FieldCipher } from '../security/field-cipher.js';
import type { SensitiveData } from '../security/sensitive-data.js';

/**
 * Dead letters of a saga whose type has sensitive fields are sealed whole with the field
 * cipher, bound to the saga id of their headers (as the outbox seals commands). Without a saga
 * id there is nothing to bind to: the value stays as it came, and the API still hides it.
 */
export function deadLetterSealing(sensitive: SensitiveData, cipher: FieldCipher): DeadLetterSealer {
  const mayHoldSensitive = (headers: Readonly<Record<string, string>>) =>
    sensitive.pathsOfType(headers[HEADERS.sagaType] ?? '').length > 0;
  return {
    mayHoldSensitive,
    seal(headers, value) {
      const sagaId = headers[HEADERS.sagaId];
      if (!sagaId || !mayHoldSensitive(headers)) return undefined;
      return cipher.seal(value, sagaId);
    },
    open(headers, sealed) {
      return String(cipher.open(sealed, headers[HEADERS.sagaId] ?? ''));
    },
  };
}
