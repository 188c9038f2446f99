import { REDACTED } from '#contracts';
import { UnsealError } from '../security/field-cipher.js';
import { toDeadLetterView, type DeadLetterRow } from './dead-letter-rows.js';
import type { DeadLetterSealer } from './dead-letter-sealer.js';

const row = (id: string, value: string): DeadLetterRow => ({
  id,
  topic: 'saga.start.dlq',
  original_topic: 'saga.start',
  original_partition: 0,
  original_offset: id,
  message_key: null,
  headers: { 'key-id': id === '1' ? 'dropped' : 'k1' },
  value,
  value_truncated: false,
  value_redacted: false,
  bytes_replaced: false,
  value_sealed: true,
  text_escaped: false,
  reason: 'invalid start request',
  failed_at: null,
  recorded_at: '2026-12-07T00:00:00.000Z',
  replayed_at: null,
  replayed_by: null,
  replay_count: 0,
});

// Opens what was sealed under k1; the key of the other is gone from the keyring.
const sealer: DeadLetterSealer = {
  mayHoldSensitive: () => true,
  seal: (_headers, value) => `sealed:${value}`,
  open: (headers, sealed) => {
    if (headers['key-id'] !== 'k1') throw new UnsealError('no key dropped to open a sealed value');
    return sealed.slice('sealed:'.length);
  },
};

describe('a dead letter as the API shows it', () => {
  it('opens a sealed value for a caller allowed to see it, and redacts it for the others', () => {
    expect(toDeadLetterView(row('2', 'sealed:{"a":1}'), sealer, true).value).toEqual({ a: 1 });
    expect(toDeadLetterView(row('2', 'sealed:{"a":1}'), sealer, false).value).toBe(REDACTED);
  });

  it('shows a value whose key is gone redacted, to a caller allowed to see it too, instead of failing', () => {
    expect(toDeadLetterView(row('1', 'sealed:{"a":1}'), sealer, true)).toMatchObject({
      id: '1',
      value: REDACTED,
    });
  });

  it('lets any other failure to open through', () => {
    const broken: DeadLetterSealer = {
      ...sealer,
      open: () => {
        throw new Error('the cipher failed');
      },
    };
    expect(() => toDeadLetterView(row('2', 'sealed:{}'), broken, true)).toThrow(
      'the cipher failed',
    );
  });
});
