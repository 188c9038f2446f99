import { SCHEMA_VERSION, type CommandMessage } from './envelopes.js';
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES, type MessageType } from './headers.js';

/** The headers every message about one saga carries (docs/CONTRACT.md, section 3). */
export function sagaMessageHeaders(
  messageId: string,
  saga: { readonly sagaId: string; readonly sagaType: string },
  messageType: MessageType,
): Record<string, string> {
  return {
    [HEADERS.messageId]: messageId,
    [HEADERS.sagaId]: saga.sagaId,
    [HEADERS.sagaType]: saga.sagaType,
    [HEADERS.messageType]: messageType,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
  };
}

/** The headers of a message about no one saga (a breaker or a definition event). */
export function eventHeaders(messageId: string, messageType: MessageType): Record<string, string> {
  return {
    [HEADERS.messageId]: messageId,
    [HEADERS.messageType]: messageType,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
  };
}

/** The headers a command is sent with, from its envelope: the saga's, plus step, attempt and reply topic. */
export function commandHeaders(
  command: Pick<
    CommandMessage,
    'messageId' | 'sagaId' | 'sagaType' | 'stepId' | 'attempt' | 'replyTo'
  >,
): Record<string, string> {
  return {
    ...sagaMessageHeaders(command.messageId, command, MESSAGE_TYPES.command),
    [HEADERS.stepId]: command.stepId,
    [HEADERS.attempt]: String(command.attempt),
    [HEADERS.replyTo]: command.replyTo,
  };
}
