import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  commandMessageSchema,
  definitionEventMessageSchema,
  participantEventMessageSchema,
  replyMessageSchema,
  sagaEventMessageSchema,
  startSagaMessageSchema,
} from '../schemas.js';
import { PARTICIPANT_NAME_PATTERN } from '../topics.js';
import { multiFormat, toJsonSchema, type JsonSchema } from './json-schema.js';
import {
  commandHeadersSchema,
  deadLetterHeadersSchema,
  definitionEventHeadersSchema,
  participantEventHeadersSchema,
  replyHeadersSchema,
  sagaEventHeadersSchema,
  startHeadersSchema,
} from './message-headers.js';
import { startRequestSchema, type SagaInputSchema } from './start-request-schema.js';

/** The envelope schemas a document describes, one per kind of message body. */
export interface EnvelopeSchemas {
  readonly start: z.ZodType;
  readonly command: z.ZodType;
  readonly reply: z.ZodType;
  readonly sagaEvent: z.ZodType;
  readonly participantEvent: z.ZodType;
  readonly definitionEvent: z.ZodType;
}

/** The wire contract's envelope schemas (schemas.ts). */
export const CONTRACT_ENVELOPES: EnvelopeSchemas = Object.freeze({
  start: startSagaMessageSchema,
  command: commandMessageSchema,
  reply: replyMessageSchema,
  sagaEvent: sagaEventMessageSchema,
  participantEvent: participantEventMessageSchema,
  definitionEvent: definitionEventMessageSchema,
});

/** The ids of the document's messages, under `components.messages`. */
export const MESSAGE_IDS = {
  start: 'startSaga',
  command: 'command',
  reply: 'reply',
  sagaEvent: 'sagaEvent',
  participantEvent: 'participantEvent',
  definitionEvent: 'definitionEvent',
  deadLetter: 'deadLetter',
} as const;

const sagaIdKey = z.string().min(1).max(LIMITS.id).describe('The saga id.');

/** The document's messages: each with its payload and headers schemas and its Kafka key. */
export function asyncApiMessages(
  envelopes: EnvelopeSchemas,
  sagaInputs: readonly SagaInputSchema[],
): Record<string, object> {
  return {
    [MESSAGE_IDS.start]: message(MESSAGE_IDS.start, {
      title: 'Start request',
      summary: 'Asks the coordinator to start a saga.',
      description:
        'The same sagaType and idempotencyKey again with an equal input starts nothing new; ' +
        'with another input, an unknown type, an invalid input or a malformed body the request ' +
        'is dead-lettered with the reason. No reply is sent: the starter learns the outcome ' +
        'from saga.events, whose events carry its idempotencyKey.',
      headers: startHeadersSchema,
      payload: startRequestSchema(envelopes.start, sagaInputs),
      key: z.string().min(1).max(LIMITS.compositeId).describe('The idempotency key.'),
    }),
    [MESSAGE_IDS.command]: message(MESSAGE_IDS.command, {
      title: 'Command',
      summary: 'One attempt of a step, or of its compensation, for one participant.',
      description:
        'outcomeUnknown is allowed on compensations only. Every attempt of a step carries the ' +
        'same idempotencyKey (another one for its compensation), so a participant applies it ' +
        'at most once; messageId is unique per attempt. The reply goes to replyTo, echoing ' +
        'sagaId, stepId, action and attempt.',
      headers: commandHeadersSchema,
      payload: toJsonSchema(envelopes.command),
      key: sagaIdKey,
      correlation: 'sagaId, with stepId, action and attempt, matches a reply to this command.',
    }),
    [MESSAGE_IDS.reply]: message(MESSAGE_IDS.reply, {
      title: 'Reply',
      summary: "A participant's answer to one command attempt.",
      description:
        'success: done, result may be folded into the saga; failure: a business refusal, ' +
        'final, never retried; error: technical, retried unless retryable is false. A reply to ' +
        'an attempt the saga no longer awaits is ignored; one naming no saga of this deployment ' +
        `is dead-lettered, as is one larger than MAX_CONTEXT_BYTES.`,
      headers: replyHeadersSchema,
      payload: toJsonSchema(envelopes.reply),
      key: sagaIdKey,
      correlation: "sagaId, stepId, action and attempt echo the command's.",
    }),
    [MESSAGE_IDS.sagaEvent]: message(MESSAGE_IDS.sagaEvent, {
      title: 'Saga event',
      summary: "A saga's lifecycle event.",
      description:
        'Every saga publishes saga.completed, saga.compensated, saga.stuck and ' +
        "saga.deadline-passed; a saga type defined with events: 'every-step' publishes the " +
        'others too.',
      headers: sagaEventHeadersSchema,
      payload: toJsonSchema(envelopes.sagaEvent),
      key: sagaIdKey,
    }),
    [MESSAGE_IDS.participantEvent]: message(MESSAGE_IDS.participantEvent, {
      title: 'Participant breaker event',
      summary: "A coordinator instance's circuit breaker for a participant changed state.",
      description: 'Told apart from saga events by the saga-message-type header.',
      headers: participantEventHeadersSchema,
      payload: toJsonSchema(envelopes.participantEvent),
      key: z.string().regex(PARTICIPANT_NAME_PATTERN).describe('The participant name.'),
    }),
    [MESSAGE_IDS.definitionEvent]: message(MESSAGE_IDS.definitionEvent, {
      title: 'Definition event',
      summary: 'The ramp of a new saga version was rolled back to 0% on its own.',
      description:
        'Sent when the new version compensated or got stuck more often than the active one ' +
        '(RAMP_FALLBACK_*); told apart from saga events by the saga-message-type header.',
      headers: definitionEventHeadersSchema,
      payload: toJsonSchema(envelopes.definitionEvent),
      key: z.string().min(1).max(LIMITS.id).describe('The saga type.'),
    }),
    [MESSAGE_IDS.deadLetter]: message(MESSAGE_IDS.deadLetter, {
      title: 'Dead letter',
      summary: 'A message its reader could not handle, kept with the reason.',
      description:
        'The original key, value and headers, unchanged (or a redacted copy of the value, ' +
        'then dlq-value-redacted is true), plus the dlq-* headers (any the original carried ' +
        'are dropped). The value may be anything, ' +
        'even no JSON at all: that may be why it is here. A dead letter too large for its ' +
        'topic comes without its value and original headers, and dlq-value-truncated is true.',
      headers: deadLetterHeadersSchema,
      payload: { description: "The original message's value, as it was." },
      key: z
        .string()
        .describe(
          "The original message's key (none if it had none, or if a dead letter too large for its topic went without it).",
        ),
    }),
  };
}

/** What {@link message} builds an AsyncAPI message from. */
interface MessageParts {
  readonly title: string;
  readonly summary: string;
  readonly description: string;
  readonly headers: z.ZodType;
  readonly payload: JsonSchema;
  readonly key: z.ZodType;
  readonly correlation?: string;
}

function message(
  name: string,
  { title, summary, description, headers, payload, key, correlation }: MessageParts,
) {
  return {
    name,
    title,
    summary,
    description,
    headers: multiFormat(toJsonSchema(headers)),
    payload: multiFormat(payload),
    ...(correlation === undefined
      ? {}
      : { correlationId: { description: correlation, location: '$message.payload#/sagaId' } }),
    bindings: { kafka: { key: toJsonSchema(key), bindingVersion: '0.5.0' } },
  };
}
