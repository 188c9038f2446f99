import {
  commandHeaders,
  eventHeaders,
  HEADERS,
  MESSAGE_TYPES,
  sagaMessageHeaders,
  type JsonValue,
} from '#contracts';
import { HEADERS_FROM, rowHeaders, storedHeaders } from './outbox-headers.js';

const command = {
  messageId: 's-1:reserve:execute:2',
  sagaId: 's-1',
  sagaType: 'order',
  sagaVersion: 1,
  stepId: 'reserve',
  action: 'execute',
  attempt: 2,
  participant: 'inventory',
  commandType: 'inventory.reserve',
  idempotencyKey: 's-1:reserve',
  replyTo: 'saga.replies',
  sentAt: '2026-12-05T06:00:00.000Z',
  payload: { sku: 'A-1' },
};
const event = {
  eventId: 's-1:3:0',
  sagaId: 's-1',
  sagaType: 'order',
  sagaVersion: 1,
  type: 'saga.completed',
  at: '2026-12-05T06:00:00.000Z',
  idempotencyKey: 'order-1',
};
const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

/** Stores a row's headers and reads them back. */
const roundTrip = (headers: Record<string, string>, payload: unknown) => {
  const stored = storedHeaders(headers, payload as JsonValue);
  return { stored, read: rowHeaders(stored.from, stored.headers, payload) };
};

describe('outbox headers left out of the row when the payload gives them', () => {
  it("stores only a command's trace context and reads back every header it was sent with", () => {
    const headers = { ...commandHeaders(command), ...trace };
    const { stored, read } = roundTrip(headers, command);
    expect(stored).toEqual({ from: HEADERS_FROM.command, headers: trace });
    expect(read).toEqual(headers);
  });

  it('keeps a header whose name an object inherits (constructor, toString)', () => {
    const headers = { ...commandHeaders(command), ...trace, constructor: 'c', toString: 't' };
    const { stored, read } = roundTrip(headers, command);
    expect(stored.headers).toEqual({ ...trace, constructor: 'c', toString: 't' });
    expect(read).toEqual(headers);
  });

  it("stores nothing of a saga event's headers and reads them back", () => {
    const headers = sagaMessageHeaders(event.eventId, event, MESSAGE_TYPES.event);
    const { stored, read } = roundTrip(headers, event);
    expect(stored).toEqual({ from: HEADERS_FROM.sagaEvent, headers: {} });
    expect(read).toEqual(headers);
  });

  it('stores every header of a command sealed whole, whose payload gives none', () => {
    const headers = commandHeaders(command);
    const { stored, read } = roundTrip(headers, { sealed: 'v1.abc' });
    expect(stored).toEqual({ from: HEADERS_FROM.nothing, headers });
    expect(read).toEqual(headers);
  });

  it('stores every header when one of them says otherwise than the payload', () => {
    const headers = { ...commandHeaders(command), [HEADERS.attempt]: '3' };
    expect(roundTrip(headers, command)).toEqual({
      stored: { from: HEADERS_FROM.nothing, headers },
      read: headers,
    });
  });

  it('stores every header of a message about no one saga', () => {
    const headers = eventHeaders('breaker-1', MESSAGE_TYPES.participantEvent);
    const payload = { eventId: 'breaker-1', participant: 'inventory', state: 'open' };
    expect(roundTrip(headers, payload).stored).toEqual({ from: HEADERS_FROM.nothing, headers });
  });

  it('refuses a rule it does not know (a row of a later release)', () => {
    expect(() => rowHeaders(3, {}, command)).toThrow(/headers_from 3 is no rule/);
  });

  it('refuses to read a row whose payload does not give the headers it says it gives', () => {
    expect(() => rowHeaders(HEADERS_FROM.command, {}, { sealed: 'v1.abc' })).toThrow(
      /payload does not give its headers/,
    );
  });
});
