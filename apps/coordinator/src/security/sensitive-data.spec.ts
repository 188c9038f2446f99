import { REDACTED } from '#contracts';
import { createSagaRegistry, type SagaState } from '#saga-core';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from './field-cipher.js';
import { parseKeyring } from './keyring.js';
import { SensitiveData } from './sensitive-data.js';

const sensitive = new SensitiveData(
  createSagaRegistry([orderSaga]),
  new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`)),
);
const input = { orderId: 'o-1', payment: { cardToken: 'tok_secret' } };
const state = {
  sagaId: 'saga-1',
  sagaType: 'order',
  sagaVersion: 1,
  status: 'running',
  input,
  context: { ...input, authorizationId: 'a-1' },
  steps: {},
} as unknown as SagaState;
const saga = { sagaId: 'saga-1', sagaType: 'order', sagaVersion: 1 };

describe('SensitiveData', () => {
  it('seals the sensitive fields of input and context, and opens them back', () => {
    const stored = sensitive.sealState(state);
    expect(JSON.stringify(stored)).not.toContain('tok_secret');
    expect((stored.context as { authorizationId: string }).authorizationId).toBe('a-1');
    expect(sensitive.openState(stored)).toEqual(state);
  });

  it('seals the results of the steps of such a type whole, which onSuccess may have folded into a sensitive field', () => {
    const withSteps = {
      ...state,
      steps: {
        'reserve-inventory': { status: 'succeeded', attempts: 1, result: { token: 'tok_result' } },
        'authorize-payment': { status: 'running', attempt: 1 },
      },
    } as unknown as SagaState;
    const stored = sensitive.sealState(withSteps);
    expect(JSON.stringify(stored)).not.toContain('tok_result');
    expect(stored.steps['authorize-payment']).toEqual({ status: 'running', attempt: 1 });
    expect(sensitive.openState(stored)).toEqual(withSteps);
    // A type without sensitive fields is stored as it is.
    const plain = { ...withSteps, sagaType: 'refund' } as SagaState;
    expect(sensitive.sealState(plain)).toBe(plain);
  });

  it('shows them redacted, or in clear to a caller allowed to see them', () => {
    const stored = sensitive.sealState(state);
    expect(sensitive.view(saga, stored.input, false)).toEqual({
      orderId: 'o-1',
      payment: { cardToken: REDACTED },
    });
    expect(sensitive.view(saga, stored.input, true)).toEqual(input);
  });

  it('shows fields sealed under a key it no longer holds redacted, even to a caller allowed to see them', () => {
    const stored = sensitive.sealState(state);
    const rotated = new SensitiveData(
      createSagaRegistry([orderSaga]),
      new FieldCipher(parseKeyring(`k2:${Buffer.alloc(32, 4).toString('base64')}`)),
    );
    expect(rotated.view(saga, stored.input, true)).toEqual({
      orderId: 'o-1',
      payment: { cardToken: REDACTED },
    });
  });

  it('gives the sensitive paths of every registered version of a type, looking up only those', () => {
    // Versions may be sparse and large (a date: 20261207): counting up to the latest looked
    // up every number below it, for each dead letter (half a minute of a blocked event loop
    // at 2e9). Version 1,000 here: a thousand lookups before, none now.
    const later = { ...orderSaga, version: 1_000, sensitive: ['customer.email'] };
    const registry = createSagaRegistry([orderSaga, later]);
    let lookups = 0;
    const counted = {
      ...registry,
      get: (name: string, version: number) => (lookups++, registry.get(name, version)),
    };
    const sparse = new SensitiveData(
      counted,
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`)),
    );
    expect([...sparse.pathsOfType('order')].sort()).toEqual([
      'customer.email',
      'payment.cardToken',
    ]);
    expect(lookups).toBeLessThanOrEqual(2);
    expect(sparse.pathsOfType('unknown')).toEqual([]);
  });

  it('seals a command whole and opens it for the relay', () => {
    const payload = { orderId: 'o-1', cardToken: 'tok_secret' };
    const sealed = sensitive.sealCommand(state, payload);
    expect(JSON.stringify(sealed)).not.toContain('tok_secret');
    expect(sensitive.openOutboxPayload('saga-1', sealed)).toEqual(payload);
    expect(sensitive.openOutboxPayload('saga-1', { plain: true })).toEqual({ plain: true });
  });

  it('redacts the input of a saga.started event and of a start request headed for a dead letter', () => {
    const event = { type: 'saga.started', detail: { input } };
    expect(sensitive.redactEvent(state, event)).toEqual({
      type: 'saga.started',
      detail: { input: { orderId: 'o-1', payment: { cardToken: REDACTED } } },
    });
    const request = JSON.stringify({ sagaType: 'order', input, extra: 1 });
    expect(JSON.parse(sensitive.redactStart(request) ?? '')).toEqual({
      sagaType: 'order',
      input: { orderId: 'o-1', payment: { cardToken: REDACTED } },
      extra: 1,
    });
  });

  it('redacts a start naming no registered saga type with the sensitive paths of every type', () => {
    const unknown = JSON.stringify({ sagaType: 'refund', sagaVersion: 1, input });
    expect(JSON.parse(sensitive.redactStart(unknown) ?? '')).toEqual({
      sagaType: 'refund',
      sagaVersion: 1,
      input: { orderId: 'o-1', payment: { cardToken: REDACTED } },
    });
    const otherVersion = JSON.stringify({ sagaType: 'order', sagaVersion: 9, input });
    expect(sensitive.redactStart(otherVersion)).not.toContain('tok_secret');
    // Byte for byte what its redacted copy would be: kept whole, and replayable.
    const harmless = JSON.stringify({ sagaType: 'refund', input: { orderId: 'o-1' } });
    expect(sensitive.startDeadLetterValue(harmless)).toEqual({ keep: 'whole' });
    // A duplicate key hides a value from the parse: the copy is kept, not the text.
    const duplicate = `{"sagaType":"refund","input":{"payment":{"cardToken":"tok_secret"}},"input":{}}`;
    expect(sensitive.startDeadLetterValue(duplicate)).toEqual({
      keep: 'redacted',
      value: '{"sagaType":"refund","input":{}}',
    });
  });

  it('drops a start nested deeper than its copy can be walked, instead of throwing (a dead letter that could not be written would hold its partition)', () => {
    // JSON.parse takes any depth; walking the copy and writing it out recurse.
    const depth = 200_000;
    const deep = `{"sagaType":"refund","input":{"payment":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const known = `{"sagaType":"order","sagaVersion":1,"input":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (const text of [deep, known]) {
      expect(sensitive.startDeadLetterValue(text)).toEqual({ keep: 'dropped' });
      expect(sensitive.redactStart(text)).toBe(REDACTED);
    }
  });

  it('drops a start that is no JSON object when a saga type has sensitive fields, and keeps it otherwise', () => {
    for (const text of ['{"input":{"payment":{"cardToken":"tok_secret"}},}', '["tok_secret"]']) {
      expect(sensitive.startDeadLetterValue(text)).toEqual({ keep: 'dropped' });
      expect(sensitive.redactStart(text)).toBe(REDACTED);
    }
    const plain = new SensitiveData(
      createSagaRegistry([{ ...orderSaga, sensitive: [] }]),
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`)),
    );
    expect(plain.startDeadLetterValue('not json')).toEqual({ keep: 'whole' });
    expect(plain.redactStart(JSON.stringify({ sagaType: 'refund', input }))).toBeUndefined();
  });
});
