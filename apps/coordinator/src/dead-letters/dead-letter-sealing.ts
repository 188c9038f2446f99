import { HEADERS, topicNames } from '#contracts';
import type { DeadLetterSealer } from './dead-letter-sealer.js';
import type { FieldCipher } from '../security/field-cipher.js';
import type { SensitiveData } from '../security/sensitive-data.js';

/** What a reply topic's name ends with, whatever the environment's prefix. */
const REPLIES = topicNames().replies;

/**
 * Dead letters of a saga whose type has sensitive fields are sealed whole with the field
 * cipher, bound to the saga id of their headers (as the outbox seals commands; to none when
 * they name none). A reply's headers are optional (only the kit sends them): a reply that names
 * no saga type is sealed too while any registered type has sensitive fields, its result may
 * carry them. A start names its type in its body and is redacted when it is dead-lettered.
 */
export function deadLetterSealing(sensitive: SensitiveData, cipher: FieldCipher): DeadLetterSealer {
  const mayHoldSensitive = (headers: Readonly<Record<string, string>>, originalTopic: string) => {
    const sagaType = headers[HEADERS.sagaType];
    if (sagaType !== undefined) return sensitive.pathsOfType(sagaType).length > 0;
    return originalTopic.endsWith(REPLIES) && sensitive.anySensitive();
  };
  return {
    mayHoldSensitive,
    seal(headers, value, originalTopic) {
      if (!mayHoldSensitive(headers, originalTopic)) return undefined;
      return cipher.seal(value, headers[HEADERS.sagaId] ?? '');
    },
    open(headers, sealed) {
      return String(cipher.open(sealed, headers[HEADERS.sagaId] ?? ''));
    },
  };
}
