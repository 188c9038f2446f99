import {
  commandHeaders,
  HEADERS,
  MESSAGE_TYPES,
  sagaMessageHeaders,
  type JsonValue,
} from '#contracts';

/**
 * How an outbox row's headers are stored: the ones its own payload gives (a command's or a saga
 * event's envelope names its saga, message id, step, attempt and reply topic) are left out, and
 * given again when the row is read; the others (trace context) are stored. The row's
 * `headers_from` says which rule gives them: a third of a row's bytes, written and logged for
 * nothing, otherwise. A payload sealed whole gives none, so its row stores them all. Rules 1 and
 * 2 give the headers of schema version 1 whatever release reads the row: a release whose
 * messages carry other headers needs rules of its own (until then its rows store them all).
 */
export const HEADERS_FROM = { nothing: 0, command: 1, sagaEvent: 2 } as const;
export type HeadersFrom = (typeof HEADERS_FROM)[keyof typeof HEADERS_FROM];

/** Headers as stored, and the rule that gives the rest from the payload. */
export interface StoredHeaders {
  readonly from: HeadersFrom;
  readonly headers: Record<string, string>;
}

/**
 * The headers to store for a row with `payload`: those the payload gives only if every one of
 * them is in `headers` with that very value (so that reading gives back exactly `headers`).
 */
export function storedHeaders(headers: Record<string, string>, payload: JsonValue): StoredHeaders {
  const from =
    headers[HEADERS.messageType] === MESSAGE_TYPES.command
      ? HEADERS_FROM.command
      : headers[HEADERS.messageType] === MESSAGE_TYPES.event
        ? HEADERS_FROM.sagaEvent
        : HEADERS_FROM.nothing;
  const given = headersGiven(from, payload);
  if (given === undefined) return { from: HEADERS_FROM.nothing, headers };
  // Loops over the names, not Object.entries: this runs for every outbox row written.
  for (const name in given) {
    if (headers[name] !== given[name]) return { from: HEADERS_FROM.nothing, headers };
  }
  const rest: Record<string, string> = {};
  for (const name in headers) if (!Object.hasOwn(given, name)) rest[name] = headers[name]!;
  return { from, headers: rest };
}

/** A row's headers as it was written: the stored ones with those its payload gives. */
export function rowHeaders(
  from: number,
  stored: Record<string, string>,
  payload: unknown,
): Record<string, string> {
  if (from === HEADERS_FROM.nothing) return stored;
  if (from !== HEADERS_FROM.command && from !== HEADERS_FROM.sagaEvent) {
    throw new Error(`the outbox row's headers_from ${from} is no rule of this release`);
  }
  const given = headersGiven(from, payload);
  if (given === undefined) {
    throw new Error(`the outbox row's payload does not give its headers (headers_from ${from})`);
  }
  return { ...given, ...stored };
}

function headersGiven(from: HeadersFrom, payload: unknown): Record<string, string> | undefined {
  if (from === HEADERS_FROM.nothing) return undefined;
  const given = contractHeaders(from, payload);
  if (given === undefined) return undefined;
  // A new object each call: set in place rather than copied.
  given[HEADERS.schemaVersion] = '1';
  given[HEADERS.contentType] = 'application/json';
  return given;
}

/** The headers the contract gives a command or saga event with `payload` as its envelope. */
function contractHeaders(
  from: typeof HEADERS_FROM.command | typeof HEADERS_FROM.sagaEvent,
  payload: unknown,
): Record<string, string> | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const envelope = payload as Record<string, unknown>;
  const text = (name: string) => typeof envelope[name] === 'string';
  if (!text('sagaId') || !text('sagaType')) return undefined;
  const saga = { sagaId: envelope.sagaId as string, sagaType: envelope.sagaType as string };
  if (from === HEADERS_FROM.sagaEvent) {
    return text('eventId')
      ? sagaMessageHeaders(envelope.eventId as string, saga, MESSAGE_TYPES.event)
      : undefined;
  }
  if (!text('messageId') || !text('stepId') || !text('replyTo')) return undefined;
  if (typeof envelope.attempt !== 'number') return undefined;
  return commandHeaders({
    ...saga,
    messageId: envelope.messageId as string,
    stepId: envelope.stepId as string,
    attempt: envelope.attempt,
    replyTo: envelope.replyTo as string,
  });
}
