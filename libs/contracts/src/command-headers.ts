import { SCHEMA_VERSION, type CommandMessage } from './envelopes.js';
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from './headers.js';

/** The headers a command is sent with (docs/CONTRACT.md, section 3), from its envelope. */
export function commandHeaders(
  command: Pick<
    CommandMessage,
    'messageId' | 'sagaId' | 'sagaType' | 'stepId' | 'attempt' | 'replyTo'
  >,
): Record<string, string> {
  return {
    [HEADERS.messageId]: command.messageId,
    [HEADERS.sagaId]: command.sagaId,
    [HEADERS.sagaType]: command.sagaType,
    [HEADERS.stepId]: command.stepId,
    [HEADERS.attempt]: String(command.attempt),
    [HEADERS.replyTo]: command.replyTo,
    [HEADERS.messageType]: MESSAGE_TYPES.command,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
  };
}
