import { z } from 'zod';
import { SCHEMA_VERSION } from '../envelopes.js';
import { DEAD_LETTER_HEADERS, HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from '../headers.js';
import { LIMITS } from '../limits.js';

// The Kafka headers of each message, as the AsyncAPI document shows them. Values are UTF-8
// strings. What the coordinator sends carries its headers always; what it receives may carry
// none, but a header that is present must be right (see header-problem.ts).

const decimal = /^(0|[1-9][0-9]*)$/;
const idText = z.string().min(1).max(LIMITS.id);
const messageId = z.string().min(1).max(LIMITS.compositeId);
const contentTypeSent = z.literal(JSON_CONTENT_TYPE).describe('The body is JSON, UTF-8.');
const contentTypeAccepted = z
  .string()
  .regex(new RegExp(`^\\s*${JSON_CONTENT_TYPE.replace('/', '\\/')}\\s*(;.*)?$`))
  .describe(`${JSON_CONTENT_TYPE}; parameters after ";" are ignored.`);
const schemaVersion = z
  .literal(String(SCHEMA_VERSION))
  .describe('The version of the envelope schemas; another value is dead-lettered.');
const trace = {
  [HEADERS.traceparent]: z.string().describe('W3C trace context: the sender span.').optional(),
  [HEADERS.tracestate]: z.string().describe('W3C trace context: vendor state.').optional(),
};
const messageTypeOf = (type: string) =>
  z.literal(type).describe('The kind of envelope in the body.');

/** The headers the coordinator sends with a command. */
export const commandHeadersSchema = z
  .object({
    [HEADERS.messageId]: messageId.describe("The command's messageId."),
    [HEADERS.sagaId]: idText.describe("The command's sagaId."),
    [HEADERS.sagaType]: idText.describe("The command's sagaType."),
    [HEADERS.stepId]: idText.describe("The command's stepId."),
    [HEADERS.attempt]: z.string().regex(decimal).describe("The command's attempt, in decimal."),
    [HEADERS.replyTo]: idText.describe("The command's replyTo: the topic for the reply."),
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.command),
    [HEADERS.contentType]: contentTypeSent,
    [HEADERS.schemaVersion]: schemaVersion,
    ...trace,
  })
  .catchall(z.string());

/** The headers of a reply: all optional; the coordinator checks those present. */
export const replyHeadersSchema = z
  .object({
    [HEADERS.messageId]: messageId.describe("The reply's messageId; must equal it.").optional(),
    [HEADERS.sagaId]: idText.describe("The reply's sagaId; must equal it.").optional(),
    [HEADERS.sagaType]: idText.describe("The command's sagaType; not checked.").optional(),
    [HEADERS.stepId]: idText.describe("The reply's stepId; not checked.").optional(),
    [HEADERS.attempt]: z.string().describe("The reply's attempt; not checked.").optional(),
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.reply).optional(),
    [HEADERS.contentType]: contentTypeAccepted.optional(),
    [HEADERS.schemaVersion]: schemaVersion.optional(),
    ...trace,
  })
  .catchall(z.string());

/** The headers of a start request: all optional; a `traceparent` makes the saga's trace its child. */
export const startHeadersSchema = z
  .object({
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.start).optional(),
    [HEADERS.contentType]: contentTypeAccepted.optional(),
    [HEADERS.schemaVersion]: schemaVersion.optional(),
    ...trace,
  })
  .catchall(z.string());

/** The headers the coordinator sends with a saga lifecycle event. */
export const sagaEventHeadersSchema = z
  .object({
    [HEADERS.messageId]: messageId.describe("The event's eventId."),
    [HEADERS.sagaId]: idText.describe("The event's sagaId."),
    [HEADERS.sagaType]: idText.describe("The event's sagaType."),
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.event),
    [HEADERS.contentType]: contentTypeSent,
    [HEADERS.schemaVersion]: schemaVersion,
    ...trace,
  })
  .catchall(z.string());

/** The headers the coordinator sends with a participant breaker event. */
export const participantEventHeadersSchema = z
  .object({
    [HEADERS.messageId]: messageId.describe("The event's eventId."),
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.participantEvent),
    [HEADERS.contentType]: contentTypeSent,
    [HEADERS.schemaVersion]: schemaVersion,
  })
  .catchall(z.string());

/** The headers the coordinator sends with a definition event. */
export const definitionEventHeadersSchema = z
  .object({
    [HEADERS.messageId]: messageId.describe("The event's eventId."),
    [HEADERS.messageType]: messageTypeOf(MESSAGE_TYPES.definitionEvent),
    [HEADERS.contentType]: contentTypeSent,
    [HEADERS.schemaVersion]: schemaVersion,
  })
  .catchall(z.string());

/** The headers of a dead letter: the original message's, plus the `dlq-*` ones. */
export const deadLetterHeadersSchema = z
  .object({
    [DEAD_LETTER_HEADERS.reason]: z.string().describe('Why the message could not be handled.'),
    [DEAD_LETTER_HEADERS.originalTopic]: z.string().min(1).describe('The topic it was read from.'),
    [DEAD_LETTER_HEADERS.originalPartition]: z
      .string()
      .regex(decimal)
      .describe('Its partition there, in decimal.'),
    [DEAD_LETTER_HEADERS.originalOffset]: z
      .string()
      .regex(decimal)
      .describe('Its offset there, in decimal.'),
    [DEAD_LETTER_HEADERS.failedAt]: z.iso
      .datetime({ offset: true })
      .describe('When it was dead-lettered, ISO-8601.'),
    [DEAD_LETTER_HEADERS.valueRedacted]: z
      .literal('true')
      .describe('The value is a copy with the sensitive fields hidden: not replayable.')
      .optional(),
    [DEAD_LETTER_HEADERS.valueTruncated]: z
      .literal('true')
      .describe(
        'The dead letter was too large for its topic: it comes without the value and the ' +
          "original headers (the original stays at its offset until the topic's retention). " +
          'Not replayable.',
      )
      .optional(),
  })
  .catchall(z.string().describe("One of the original message's headers, kept as it was."));
