import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MemoryStore, runnerOn, startOrderOn } from './memory-saga-store.fixture.js';
import { WakeupDecisions } from './wakeup-decisions.js';

const FIRST_STEP = 'reserve-inventory';

describe('WakeupDecisions', () => {
  let store: MemoryStore;
  let wakeups: WakeupDecisions;

  beforeEach(() => {
    store = new MemoryStore();
    wakeups = new WakeupDecisions(runnerOn(store));
  });

  /** Starts an order saga and makes its first step's reply timeout due. */
  const startWithTimeoutDue = async (key: string): Promise<string> => {
    const sagaId = await startOrderOn(store, key);
    store.dueTimers.set(sagaId, [
      {
        id: `${sagaId}:${FIRST_STEP}:reply-timeout:1`,
        sagaId,
        wakeup: { kind: 'reply-timeout', stepId: FIRST_STEP, attempt: 1 },
      },
    ]);
    return sagaId;
  };

  it('asks only for the sagas of the definition versions it can run', async () => {
    await wakeups.fireDue(10);
    expect(store.knownWhenDue).toEqual([{ sagaType: 'order', sagaVersion: 1 }]);
  });

  it('names the versions it cannot run whose timers are overdue, not the ones it runs', async () => {
    const dueSince = new Date('2026-12-01T10:00:00Z');
    store.overdue.push(
      { sagaType: 'order', sagaVersion: 1, sagas: 4, dueSince },
      { sagaType: 'order', sagaVersion: 7, sagas: 2, dueSince },
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(await wakeups.warnOfOverdueVersions(60_000)).toEqual([
        { sagaType: 'order', sagaVersion: 7, sagas: 2, dueSince },
      ]);
      expect(warn.mock.calls.map(([line]) => line)).toEqual([
        expect.stringMatching(
          /^2 saga\(s\) of order v7 have timers overdue since 2026-12-01T10:00:00.000Z: this instance cannot run that definition version \(it knows order v1\)/,
        ),
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('fires the other sagas’ timers when one saga’s state cannot be opened, and leaves that one’s', async () => {
    const unopenable = await startWithTimeoutDue('o-1');
    const fine = await startWithTimeoutDue('o-2');
    store.sealAway(unopenable);

    expect(await wakeups.fireDue(10)).toBe(1);

    expect(store.rows.get(fine)!.state.steps[FIRST_STEP]?.status).not.toBe('running');
    expect(store.rows.get(unopenable)!.state.steps[FIRST_STEP]?.status).toBe('running');
    // Its timers stay, put off: the next poll does not find it first again.
    expect(store.putOff).toEqual([unopenable]);
    expect(await wakeups.fireDue(10)).toBe(0);
  });

  it('fires the other sagas’ timers when the database refuses one saga’s decision, and puts that one’s off', async () => {
    const refused = await startWithTimeoutDue('o-1');
    const fine = await startWithTimeoutDue('o-2');
    store.refused.add(refused);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      expect(await wakeups.fireDue(10)).toBe(1);

      expect(store.rows.get(fine)!.state.steps[FIRST_STEP]?.status).not.toBe('running');
      expect(store.rows.get(refused)!.state.steps[FIRST_STEP]?.status).toBe('running');
      expect(store.putOff).toEqual([refused]);
      expect(error.mock.calls.map(([line]) => line)).toEqual([
        `the timers of saga ${refused} wait 60 s: what they decide cannot be written (the database refused a value (SQLSTATE 22P05, untranslatable character))`,
      ]);
      expect(await wakeups.fireDue(10)).toBe(0);
    } finally {
      error.mockRestore();
    }
  });
});
