import { z } from 'zod';
import { decodeMessage, parseMessage } from './parse-message.js';
import { startSagaMessageSchema } from './schemas.js';

describe('parseMessage', () => {
  it('names the root when the message is not an object', () => {
    expect(parseMessage(startSagaMessageSchema, 'hello')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^\(root\): /),
    });
  });

  it('lists every offending field', () => {
    const result = parseMessage(startSagaMessageSchema, { input: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/sagaType: .*; idempotencyKey: /);
  });

  it('turns a validator that throws into a refusal', () => {
    const throwing = z.unknown().transform(() => {
      throw new Error('boom');
    });
    expect(parseMessage(throwing, 1)).toEqual({ ok: false, reason: '(root): boom' });
  });
});

describe('decodeMessage', () => {
  it('parses and validates a JSON text', () => {
    const text = JSON.stringify({ sagaType: 'order', idempotencyKey: 'k', input: null });
    expect(decodeMessage(startSagaMessageSchema, text)).toEqual({
      ok: true,
      value: { sagaType: 'order', idempotencyKey: 'k', input: null },
    });
  });

  it('refuses a text that is not JSON', () => {
    expect(decodeMessage(startSagaMessageSchema, '{nope')).toEqual({
      ok: false,
      reason: '(root): not valid JSON',
    });
  });
});
