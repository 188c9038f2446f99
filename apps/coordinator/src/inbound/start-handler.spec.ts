import { REDACTED, type StartSagaMessage } from '#contracts';
import { createSagaRegistry, type DeadLetter, type IncomingMessage } from '#saga-core';
import { UnknownSagaTypeError } from '../application/saga-errors.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { startBatchHandler } from './start-handler.js';

const cipher = new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`));
/** Decisions that know no saga type: every start that reaches them is refused. */
const noDecisions = {
  startMany: async (requests: readonly StartSagaMessage[]) =>
    requests.map((request) => new UnknownSagaTypeError(`unknown saga type ${request.sagaType}`)),
} as unknown as SagaDecisions;
const message = (value: string): IncomingMessage => ({
  topic: 'saga.start',
  key: 'k',
  headers: {},
  value,
});
/** What the dead letter keeps: its reason, and its value (the original unless replaced). */
const kept = ({ message, reason, value }: DeadLetter) => ({
  reason,
  value: value === undefined ? message.value : value,
});

describe('the start batch handler', () => {
  const withSecrets = new SensitiveData(createSagaRegistry([orderSaga]), cipher);

  it('drops the value of a start that is not JSON when a saga type has sensitive fields, and says why', async () => {
    const handle = startBatchHandler(noDecisions, withSecrets);
    const trailingComma =
      '{"sagaType":"order","idempotencyKey":"k","input":{"payment":{"cardToken":"CANARY"}},}';

    const { deadLetters } = await handle([message(trailingComma)]);

    expect(deadLetters.map(kept)).toEqual([
      {
        reason: expect.stringMatching(
          /^invalid start request: .*its value was dropped: .*could not be checked for sensitive fields/,
        ),
        value: null,
      },
    ]);
    expect(JSON.stringify(deadLetters.map(kept))).not.toContain('CANARY');
  });

  it('redacts every registered sensitive path in a start of a saga type it does not know', async () => {
    const handle = startBatchHandler(noDecisions, withSecrets);
    const unknownType = JSON.stringify({
      sagaType: 'refund',
      idempotencyKey: 'k',
      input: { orderId: 'o-1', payment: { cardToken: 'CANARY' } },
    });

    const { deadLetters } = await handle([message(unknownType)]);

    expect(deadLetters).toHaveLength(1);
    expect(JSON.stringify(deadLetters.map(kept))).not.toContain('CANARY');
    expect(JSON.parse(deadLetters[0]!.value!)).toEqual({
      sagaType: 'refund',
      idempotencyKey: 'k',
      input: { orderId: 'o-1', payment: { cardToken: REDACTED } },
    });
  });

  it('redacts every registered sensitive path in a start naming a version it does not know', async () => {
    // Version 1 of `plain` has no sensitive field; the version 2 a start names may have some.
    const plainV1 = { ...orderSaga, name: 'plain', sensitive: [] };
    const sensitive = new SensitiveData(createSagaRegistry([orderSaga, plainV1]), cipher);
    const handle = startBatchHandler(noDecisions, sensitive);
    const unknownVersion = JSON.stringify({
      sagaType: 'plain',
      sagaVersion: 2,
      idempotencyKey: 'k',
      input: { payment: { cardToken: 'CANARY' } },
    });

    const { deadLetters } = await handle([message(unknownVersion)]);

    expect(deadLetters).toHaveLength(1);
    expect(JSON.stringify(deadLetters.map(kept))).not.toContain('CANARY');
  });

  it('keeps a malformed start whole when no registered saga type has sensitive fields', async () => {
    const plain = new SensitiveData(createSagaRegistry([{ ...orderSaga, sensitive: [] }]), cipher);
    const handle = startBatchHandler(noDecisions, plain);
    const malformed = '{"sagaType":"order","idempotencyKey":"k","input":{},}';
    const unknownType = JSON.stringify({ sagaType: 'refund', idempotencyKey: 'k', input: {} });

    const { deadLetters } = await handle([message(malformed), message(unknownType)]);

    expect(deadLetters.map((letter) => [letter.reason, 'value' in letter])).toEqual([
      ['invalid start request: (root): not valid JSON', false],
      ['refused: unknown saga type refund', false],
    ]);
  });
});
