import { deadlineWakeupId, stepWakeupId, wakeupOfTimerKey } from './message-ids.js';

describe('wakeupOfTimerKey', () => {
  const sagaId = '0b7e5f1c-2d3a-4e5f-8a9b-0c1d2e3f4a5b';
  const keyOf = (id: string) => id.slice(sagaId.length + 1);

  it('gives back the wake-up of every timer id the engine builds', () => {
    for (const kind of [
      'retry',
      'reply-timeout',
      'compensation-retry',
      'compensation-timeout',
    ] as const) {
      expect(wakeupOfTimerKey(keyOf(stepWakeupId(sagaId, 'reserve-inventory', kind, 12)))).toEqual({
        kind,
        stepId: 'reserve-inventory',
        attempt: 12,
      });
    }
    expect(wakeupOfTimerKey(keyOf(deadlineWakeupId(sagaId)))).toEqual({ kind: 'deadline' });
  });

  it('names no wake-up for a key no timer id has', () => {
    for (const key of [
      '',
      'left',
      'step:retry',
      'step:nap:1',
      'step:retry:0',
      'step:retry:1.5',
      ':retry:1',
      'a:b:retry:1',
      `${sagaId}:deadline`,
    ]) {
      expect(wakeupOfTimerKey(key)).toBeUndefined();
    }
  });
});
