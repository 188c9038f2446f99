import { neverSendableCode, SendFailureTracker } from './send-failure.js';

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

describe('SendFailureTracker', () => {
  it('says a failure persisted once it lasted the given time, and forgets rows', () => {
    const tracker = new SendFailureTracker(1_000);
    expect(tracker.persisted('1', 5_000)).toBe(false);
    expect(tracker.persisted('1', 5_999)).toBe(false);
    expect(tracker.persisted('1', 6_000)).toBe(true);
    tracker.forget('1');
    expect(tracker.persisted('1', 7_000)).toBe(false);
    expect(new SendFailureTracker(0).persisted('2', 1)).toBe(true);
  });
});
