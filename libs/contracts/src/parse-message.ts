import type { ZodType } from 'zod';
import { formatPath } from './issue-text.js';
import type {
  CommandMessage,
  ReplyMessage,
  SagaEventMessage,
  StartSagaMessage,
} from './envelopes.js';
import {
  commandMessageSchema,
  replyMessageSchema,
  sagaEventMessageSchema,
  startSagaMessageSchema,
} from './schemas.js';

/** The result of validating a message: the typed value, or a reason that names the offending field. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates `raw` against `schema`; never throws, and the reason reads `path.to.field: problem`. */
export function parseMessage<T>(schema: ZodType<T>, raw: unknown): ParseResult<T> {
  try {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { ok: true, value: parsed.data };
    const reason = parsed.error.issues
      .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason };
  } catch (error) {
    // A value that throws as it is read (a getter, a proxy) is refused, not thrown.
    return {
      ok: false,
      reason: `(root): ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Parses a JSON text and validates it against `schema`; malformed JSON is a reason too, never a throw. */
export function decodeMessage<T>(schema: ZodType<T>, text: string): ParseResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: '(root): not valid JSON' };
  }
  return parseMessage(schema, raw);
}

/** Validates a command envelope. */
export function parseCommandMessage(raw: unknown): ParseResult<CommandMessage> {
  return parseMessage(commandMessageSchema, raw);
}

/** Validates a reply envelope. */
export function parseReplyMessage(raw: unknown): ParseResult<ReplyMessage> {
  return parseMessage(replyMessageSchema, raw);
}

/** Validates a start-saga request. */
export function parseStartSagaMessage(raw: unknown): ParseResult<StartSagaMessage> {
  return parseMessage(startSagaMessageSchema, raw);
}

/** Validates a saga lifecycle event. */
export function parseSagaEventMessage(raw: unknown): ParseResult<SagaEventMessage> {
  return parseMessage(sagaEventMessageSchema, raw);
}
