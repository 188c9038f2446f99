/** Kafka header names carried by every saga message. */
export const HEADERS = {
  messageId: 'saga-message-id',
  sagaId: 'saga-id',
  sagaType: 'saga-type',
  stepId: 'saga-step-id',
  attempt: 'saga-attempt',
  messageType: 'saga-message-type',
  replyTo: 'saga-reply-to',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  contentType: 'content-type',
  schemaVersion: 'saga-schema-version',
} as const;

/** Extra header names on a message moved to a dead-letter topic. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
  /** `true` when the value is a redacted copy (sensitive fields hidden): not replayable. */
  valueRedacted: 'dlq-value-redacted',
  /**
   * `true` when the dead letter was too large for its topic and went without its value and
   * original headers (the original stays at its offset until retention): not replayable.
   */
  valueTruncated: 'dlq-value-truncated',
} as const;

/** Every `dlq-*` header name a dead-lettering adds. */
export const DEAD_LETTER_HEADER_NAMES: ReadonlySet<string> = new Set(
  Object.values(DEAD_LETTER_HEADERS),
);

/** Values of the `saga-message-type` header, one per envelope. */
export const MESSAGE_TYPES = {
  command: 'saga.command',
  reply: 'saga.reply',
  start: 'saga.start',
  event: 'saga.event',
  participantEvent: 'participant.event',
  definitionEvent: 'definition.event',
} as const;

/** The kind of envelope a message carries. */
export type MessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];

/** The `content-type` of every message body. */
export const JSON_CONTENT_TYPE = 'application/json';
