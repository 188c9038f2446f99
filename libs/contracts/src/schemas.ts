import { z } from 'zod';
import type {
  CommandMessage,
  DefinitionEventMessage,
  ParticipantEventMessage,
  ReplyMessage,
  ReplyOutcome,
  SagaEventMessage,
  StartSagaMessage,
} from './envelopes.js';
import type { JsonObject, JsonValue } from './json-value.js';
import { LIMITS } from './limits.js';
import { jsonValueProblems } from './json-value-check.js';
import { refuseUnstorableText } from './storable-text.js';
import { PARTICIPANT_NAME_PATTERN } from './topics.js';

// Every free-form string ends up in Postgres text or jsonb, which refuse U+0000 and lone
// surrogates: such a message is refused here, with the field named, before it reaches the database.
const id = z.string().min(1).max(LIMITS.id).superRefine(refuseUnstorableText);
const compositeId = z.string().min(1).max(LIMITS.compositeId).superRefine(refuseUnstorableText);
const text = z.string().max(LIMITS.message).superRefine(refuseUnstorableText);
const counter = z.number().int().min(1).max(LIMITS.counter);
const isoTime = z.iso.datetime({ offset: true });
const action = z.enum(['execute', 'compensate']);

/**
 * The free-JSON fields (payload, result, details, input, detail), by kind: their JSON Schema is
 * their description, "any JSON value" or an object of them (see toJsonSchema), their rules
 * those of jsonValueProblems, checked in one walk.
 */
export const freeJsonSchemas = new WeakMap<z.core.$ZodType, 'value' | 'object'>();

/** The description of a free-JSON field in the JSON Schemas made of the contract. */
export const ANY_JSON_VALUE = 'Any JSON value.';

function freeJson<T extends JsonValue>(kind: 'value' | 'object'): z.ZodType<T> {
  const schema = z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'Invalid input: expected JSON, received undefined',
        });
      } else if (
        kind === 'object' &&
        (value === null || typeof value !== 'object' || Array.isArray(value))
      ) {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object', input: value });
      } else {
        for (const { path, message } of jsonValueProblems(value)) {
          ctx.addIssue({ code: 'custom', path: [...path], message, input: value });
        }
      }
    })
    .meta({ description: kind === 'value' ? ANY_JSON_VALUE : 'Any JSON object.' });
  // The instance a field holds (meta() made a new one).
  freeJsonSchemas.set(schema, kind);
  return schema as unknown as z.ZodType<T>;
}

const json = freeJson<JsonValue>('value');
const jsonObject = freeJson<JsonObject>('object');

/** Validates a reply outcome: success, failure (business refusal) or error (technical). */
export const replyOutcomeSchema: z.ZodType<ReplyOutcome> = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('success'), result: json }),
  z.strictObject({
    status: z.literal('failure'),
    code: id,
    message: text,
    details: json.optional(),
  }),
  z.strictObject({
    status: z.literal('error'),
    code: id,
    message: text,
    retryable: z.boolean().optional(),
  }),
]);

/** Validates a command envelope; `outcomeUnknown` is allowed on compensations only. */
export const commandMessageSchema: z.ZodType<CommandMessage> = z
  .strictObject({
    messageId: compositeId,
    sagaId: id,
    sagaType: id,
    sagaVersion: counter,
    stepId: id,
    action,
    attempt: counter,
    participant: z.string().regex(PARTICIPANT_NAME_PATTERN),
    commandType: id,
    idempotencyKey: compositeId,
    replyTo: id,
    payload: json,
    outcomeUnknown: z.boolean().optional(),
    sentAt: isoTime,
  })
  .superRefine((command, ctx) => {
    if (command.action === 'execute' && command.outcomeUnknown !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['outcomeUnknown'],
        message: 'only a compensation may say the forward outcome is unknown',
      });
    }
  });

/** Validates a reply envelope. */
export const replyMessageSchema: z.ZodType<ReplyMessage> = z.strictObject({
  messageId: compositeId,
  sagaId: id,
  stepId: id,
  action,
  attempt: counter,
  outcome: replyOutcomeSchema,
  repliedAt: isoTime,
});

/** Validates a request to start a saga. */
export const startSagaMessageSchema: z.ZodType<StartSagaMessage> = z.strictObject({
  sagaType: id,
  sagaVersion: counter.optional(),
  idempotencyKey: compositeId,
  input: json,
});

/** Validates a saga lifecycle event. */
export const sagaEventMessageSchema: z.ZodType<SagaEventMessage> = z.strictObject({
  eventId: compositeId,
  sagaId: id,
  sagaType: id,
  sagaVersion: counter,
  idempotencyKey: compositeId.optional(),
  type: z.enum([
    'saga.started',
    'saga.step-completed',
    'saga.step-failed',
    'saga.compensating',
    'saga.step-compensated',
    'saga.completed',
    'saga.compensated',
    'saga.stuck',
    'saga.deadline-passed',
  ]),
  stepId: id.optional(),
  at: isoTime,
  detail: jsonObject.optional(),
});

/** Validates a definition event. */
export const definitionEventMessageSchema: z.ZodType<DefinitionEventMessage> = z.strictObject({
  eventId: compositeId,
  sagaType: id,
  version: counter,
  type: z.literal('definition.ramp-rolled-back'),
  at: isoTime,
  detail: z.string().max(1_000).superRefine(refuseUnstorableText),
});

/** Validates a participant health event. */
export const participantEventMessageSchema: z.ZodType<ParticipantEventMessage> = z.strictObject({
  eventId: compositeId,
  participant: z.string().regex(PARTICIPANT_NAME_PATTERN),
  type: z.enum([
    'participant.breaker-opened',
    'participant.breaker-half-open',
    'participant.breaker-closed',
  ]),
  instance: z.string().min(1).max(200).superRefine(refuseUnstorableText),
  at: isoTime,
  detail: z.string().max(1_000).superRefine(refuseUnstorableText),
});
