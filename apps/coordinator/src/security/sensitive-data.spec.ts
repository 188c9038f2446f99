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
} as unknown as SagaState;
const saga = { sagaId: 'saga-1', sagaType: 'order', sagaVersion: 1 };

describe('SensitiveData', () => {
  it('seals the sensitive fields of input and context, and opens them back', () => {
    const stored = sensitive.sealState(state);
    expect(JSON.stringify(stored)).not.toContain('tok_secret');
    expect((stored.context as { authorizationId: string }).authorizationId).toBe('a-1');
    expect(sensitive.openState(stored)).toEqual(state);
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
    expect(sensitive.redactStart('not json')).toBeUndefined();
    expect(sensitive.redactStart(JSON.stringify({ sagaType: 'unknown', input }))).toBeUndefined();
  });
});
