// What the floor reads and writes on Kafka: start requests and replies checked by hand (no zod:
// the fields the floor acts on, nothing more), and the commands and events of a decision with the
// contract's headers, serialised once for both the outbox row and the Kafka record.
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from '../../libs/contracts/src/headers.js';
import { SCHEMA_VERSION } from '../../libs/contracts/src/envelopes.js';
import type { ReplyMessage, ReplyOutcome } from '../../libs/contracts/src/index.js';
import type { FloorInput, FloorOutgoing } from './floor-saga.js';
import { FLOOR_SAGA } from './floor-saga.js';

/** A consumed message the floor acts on. */
export type FloorItem =
  | { readonly kind: 'start'; readonly idempotencyKey: string; readonly input: FloorInput }
  | { readonly kind: 'reply'; readonly reply: ReplyMessage };

/** A message to publish, with its JSON (the outbox row stores the same text). */
export interface FloorRecord {
  readonly topic: string;
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly headersJson: string;
  readonly value: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCHEMA = String(SCHEMA_VERSION);

/** A start request for the bench saga, or undefined when the message is not one. */
export function parseStart(value: Buffer | null): FloorItem | undefined {
  const body = parseJson(value) as {
    sagaType?: unknown;
    sagaVersion?: unknown;
    idempotencyKey?: unknown;
    input?: { key?: unknown; fail?: unknown } | null;
  } | null;
  if (body === null || typeof body !== 'object') return undefined;
  const { sagaType, sagaVersion, idempotencyKey, input } = body;
  if (sagaType !== FLOOR_SAGA.name) return undefined;
  if (sagaVersion !== undefined && sagaVersion !== FLOOR_SAGA.version) return undefined;
  if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0) return undefined;
  if (typeof input !== 'object' || input === null) return undefined;
  const { key, fail } = input;
  if (typeof key !== 'string' || key.length === 0 || typeof fail !== 'boolean') return undefined;
  return { kind: 'start', idempotencyKey, input: { key, fail } };
}

/** A reply to a command of a saga (a UUID), or undefined when the message is not one. */
export function parseReply(value: Buffer | null): FloorItem | undefined {
  const body = parseJson(value) as Partial<ReplyMessage> | null;
  if (body === null || typeof body !== 'object') return undefined;
  const { messageId, sagaId, stepId, action, attempt, outcome } = body;
  if (typeof messageId !== 'string' || typeof sagaId !== 'string' || !UUID.test(sagaId)) {
    return undefined;
  }
  if (typeof stepId !== 'string' || (action !== 'execute' && action !== 'compensate')) {
    return undefined;
  }
  if (!Number.isInteger(attempt) || !isOutcome(outcome)) return undefined;
  return { kind: 'reply', reply: body as ReplyMessage };
}

/**
 * The Kafka record of a command or event: keyed by saga id, with the contract's headers; an
 * event names the saga's idempotency key, as the coordinator's do.
 */
export function toRecord(
  outgoing: FloorOutgoing,
  topics: { readonly commands: string; readonly events: string },
  idempotencyKey: string,
): FloorRecord {
  const command = outgoing.kind === 'command';
  const message = outgoing.message;
  const headers: Record<string, string> = {
    [HEADERS.messageId]: command ? outgoing.message.messageId : outgoing.message.eventId,
    [HEADERS.sagaId]: message.sagaId,
    [HEADERS.sagaType]: message.sagaType,
    [HEADERS.messageType]: command ? MESSAGE_TYPES.command : MESSAGE_TYPES.event,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: SCHEMA,
  };
  if (outgoing.kind === 'command') {
    headers[HEADERS.stepId] = outgoing.message.stepId;
    headers[HEADERS.attempt] = String(outgoing.message.attempt);
    headers[HEADERS.replyTo] = outgoing.message.replyTo;
  }
  return {
    topic: outgoing.kind === 'command' ? topics.commands : topics.events,
    key: message.sagaId,
    headers,
    headersJson: JSON.stringify(headers),
    value: JSON.stringify(command ? message : { ...message, idempotencyKey }),
  };
}

/** The outbox lane of a saga (FNV-1a of its id), as the coordinator spreads its rows. */
export function laneOf(sagaId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < sagaId.length; index++) {
    hash = Math.imul(hash ^ sagaId.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0) % lanes;
}

function parseJson(value: Buffer | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
}

function isOutcome(outcome: unknown): outcome is ReplyOutcome {
  if (typeof outcome !== 'object' || outcome === null) return false;
  const { status, code, message } = outcome as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (status === 'success') return 'result' in outcome;
  return (
    (status === 'failure' || status === 'error') &&
    typeof code === 'string' &&
    typeof message === 'string'
  );
}
