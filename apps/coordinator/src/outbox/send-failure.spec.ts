import { SendFailureTracker } from './send-failure.js';

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
