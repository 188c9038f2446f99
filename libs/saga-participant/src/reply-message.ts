import {
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  SCHEMA_VERSION,
  type CommandMessage,
  type ReplyMessage,
  type ReplyOutcome,
} from '#contracts';
import type { OutgoingMessage } from '#saga-core';

const TRACE_HEADERS = [HEADERS.traceparent, HEADERS.tracestate] as const;

/** The reply's message id: derived from the command's, so a redelivered command gets the same id. */
export function replyMessageId(command: CommandMessage): string {
  return `reply:${command.messageId}`;
}

/** The reply envelope to one command attempt: it echoes saga, step, action and attempt. */
export function replyEnvelope(
  command: CommandMessage,
  outcome: ReplyOutcome,
  repliedAt: Date,
): ReplyMessage {
  return {
    messageId: replyMessageId(command),
    sagaId: command.sagaId,
    stepId: command.stepId,
    action: command.action,
    attempt: command.attempt,
    outcome,
    repliedAt: repliedAt.toISOString(),
  };
}

/**
 * The message that carries `reply` to the command's reply-to topic, keyed by saga id, with the
 * contract's headers; the W3C trace headers of the command are copied when present.
 */
export function replyMessage(
  command: CommandMessage,
  reply: ReplyMessage,
  commandHeaders: Readonly<Record<string, string>>,
): OutgoingMessage {
  const headers: Record<string, string> = {
    [HEADERS.messageId]: reply.messageId,
    [HEADERS.sagaId]: command.sagaId,
    [HEADERS.sagaType]: command.sagaType,
    [HEADERS.stepId]: command.stepId,
    [HEADERS.attempt]: String(command.attempt),
    [HEADERS.messageType]: MESSAGE_TYPES.reply,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
  };
  for (const name of TRACE_HEADERS) {
    const value = commandHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  return { topic: command.replyTo, key: command.sagaId, headers, value: JSON.stringify(reply) };
}
