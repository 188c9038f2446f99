import { SCHEMA_VERSION } from './envelopes.js';
import { HEADERS, JSON_CONTENT_TYPE, type MessageType } from './headers.js';

/**
 * Why a message's headers contradict the contract, else undefined. A header may be absent
 * (services outside the kit may send none), but one that is present must be right: the
 * message type of the topic, JSON content, this schema version, and (when the body is known)
 * the same message and saga ids as the body. Header values are never echoed.
 */
export function headerProblem(
  headers: Readonly<Record<string, string>>,
  expectedType: MessageType,
  body?: { readonly messageId?: string; readonly sagaId?: string },
): string | undefined {
  const type = headers[HEADERS.messageType];
  if (type !== undefined && type !== expectedType) {
    return `header ${HEADERS.messageType} must be ${expectedType}`;
  }
  const contentType = headers[HEADERS.contentType];
  if (contentType !== undefined && contentType.split(';')[0]?.trim() !== JSON_CONTENT_TYPE) {
    return `header ${HEADERS.contentType} must be ${JSON_CONTENT_TYPE}`;
  }
  const version = headers[HEADERS.schemaVersion];
  if (version !== undefined && version !== String(SCHEMA_VERSION)) {
    return `header ${HEADERS.schemaVersion} must be ${SCHEMA_VERSION}`;
  }
  const messageId = headers[HEADERS.messageId];
  if (messageId !== undefined && body?.messageId !== undefined && messageId !== body.messageId) {
    return `header ${HEADERS.messageId} does not match the body`;
  }
  // A saga id is a UUID: the same in either case.
  const sagaId = headers[HEADERS.sagaId];
  if (
    sagaId !== undefined &&
    body?.sagaId !== undefined &&
    sagaId.toLowerCase() !== body.sagaId.toLowerCase()
  ) {
    return `header ${HEADERS.sagaId} does not match the body`;
  }
  return undefined;
}
