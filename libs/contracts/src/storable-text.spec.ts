import { LIMITS } from './limits.js';
import { decodeMessage, parseReplyMessage, parseStartSagaMessage } from './parse-message.js';
import { startSagaMessageSchema } from './schemas.js';
import { UNSTORABLE_TEXT, unstorableTextProblem } from './storable-text.js';

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udc00';

const start = (input: unknown, idempotencyKey = 'k-1') => ({
  sagaType: 'order',
  idempotencyKey,
  input,
});

describe('text Postgres can store', () => {
  it.each([
    ['a NUL', `a${NUL}b`, UNSTORABLE_TEXT.nul],
    ['a lone high surrogate', `a${HIGH}`, UNSTORABLE_TEXT.loneSurrogate],
    ['a lone low surrogate', `${LOW}b`, UNSTORABLE_TEXT.loneSurrogate],
    ['two high surrogates', `${HIGH}${HIGH}`, UNSTORABLE_TEXT.loneSurrogate],
  ])('refuses %s', (_what, text, problem) => {
    expect(unstorableTextProblem(text)).toBe(problem);
  });

  it.each([
    ['plain text', 'abc'],
    ['a surrogate pair', '😀'],
    ['U+FFFD', '\ufffd'],
    ['empty', ''],
  ])('accepts %s', (_what, text) => {
    expect(unstorableTextProblem(text)).toBeUndefined();
  });
});

describe('the contract refuses what Postgres cannot store, naming the field', () => {
  it('refuses a start whose input, key or type holds NUL or a lone surrogate', () => {
    expect(parseStartSagaMessage(start({ orderId: `o${NUL}` }))).toEqual({
      ok: false,
      reason: `input.orderId: ${UNSTORABLE_TEXT.nul}`,
    });
    expect(parseStartSagaMessage(start({ items: [{ sku: `s${HIGH}` }] }))).toEqual({
      ok: false,
      reason: `input.items.0.sku: ${UNSTORABLE_TEXT.loneSurrogate}`,
    });
    expect(parseStartSagaMessage(start({}, `k${NUL}`))).toMatchObject({
      ok: false,
      reason: `idempotencyKey: ${UNSTORABLE_TEXT.nul}`,
    });
    expect(parseStartSagaMessage({ ...start({}), sagaType: `o${LOW}` })).toMatchObject({
      ok: false,
      reason: `sagaType: ${UNSTORABLE_TEXT.loneSurrogate}`,
    });
  });

  it('refuses a reply whose ids, result or message hold NUL or a lone surrogate', () => {
    const reply = {
      messageId: 'm-1',
      sagaId: 's-1',
      stepId: 'reserve',
      action: 'execute',
      attempt: 1,
      outcome: { status: 'success', result: { ok: true } },
      repliedAt: '2030-01-01T00:00:00.000Z',
    };
    expect(parseReplyMessage({ ...reply, messageId: `m${NUL}` })).toMatchObject({
      ok: false,
      reason: `messageId: ${UNSTORABLE_TEXT.nul}`,
    });
    expect(
      parseReplyMessage({ ...reply, outcome: { status: 'success', result: [`${HIGH}`] } }),
    ).toMatchObject({ ok: false, reason: `outcome.result.0: ${UNSTORABLE_TEXT.loneSurrogate}` });
    expect(
      parseReplyMessage({
        ...reply,
        outcome: { status: 'error', code: 'E', message: `boom${NUL}` },
      }),
    ).toMatchObject({ ok: false, reason: `outcome.message: ${UNSTORABLE_TEXT.nul}` });
    expect(parseReplyMessage(reply)).toMatchObject({ ok: true });
  });

  it('reads \\u0000 and lone surrogates written as JSON escapes, as the wire carries them', () => {
    const text = `{"sagaType":"order","idempotencyKey":"k","input":{"a":"\\u0000","b":"\\ud800"}}`;
    expect(decodeMessage(startSagaMessageSchema, text)).toEqual({
      ok: false,
      reason: `input.a: ${UNSTORABLE_TEXT.nul}; input.b: ${UNSTORABLE_TEXT.loneSurrogate}`,
    });
  });

  it('still accepts an input of the largest size, with surrogate pairs', () => {
    const blob = '😀'.repeat(Math.floor(LIMITS.json / 20));
    expect(parseStartSagaMessage(start({ blob }))).toMatchObject({ ok: true });
  });
});
