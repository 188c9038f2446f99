import { neverSendableCode, refusedAsTooLarge } from './send-refusal.js';

describe('neverSendableCode', () => {
  it('finds the code of a protocol error wrapped by retries', () => {
    const inner = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      retriable: true,
    });
    const outer = Object.assign(new Error('retries exceeded'), { cause: inner });
    expect(neverSendableCode(outer)).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(neverSendableCode({ errors: [new Error('x'), { type: 'MESSAGE_TOO_LARGE' }] })).toBe(
      'MESSAGE_TOO_LARGE',
    );
  });

  it('calls everything else transient', () => {
    expect(neverSendableCode(new Error('Connection error: ECONNREFUSED'))).toBeUndefined();
    expect(neverSendableCode({ type: 'REQUEST_TIMED_OUT' })).toBeUndefined();
    expect(neverSendableCode(undefined)).toBeUndefined();
  });
});

describe('refusedAsTooLarge', () => {
  it('is true for a record or a batch too large, wrapped or not, and false for anything else', () => {
    expect(refusedAsTooLarge({ type: 'MESSAGE_TOO_LARGE' })).toBe(true);
    expect(refusedAsTooLarge({ originalError: { type: 'RECORD_LIST_TOO_LARGE' } })).toBe(true);
    expect(refusedAsTooLarge({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })).toBe(false);
    expect(refusedAsTooLarge(new Error('Connection error: ECONNREFUSED'))).toBe(false);
  });
});
