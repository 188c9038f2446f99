// Timers as the engine arms them, for tests that write decisions straight to the database.
import { wakeupOfTimerKey } from '#saga-core';
import type { TimerRow } from '../../apps/coordinator/src/persistence/saga-timers.js';

/** A timer of the saga by its key (its id without the saga id), due at `dueAt`. */
export function timerRow(sagaId: string, key: string, dueAt: number): TimerRow {
  const wakeup = wakeupOfTimerKey(key);
  if (wakeup === undefined) throw new Error(`${key} is not a timer key the engine builds`);
  return { id: `${sagaId}:${key}`, sagaId, dueAt, wakeup };
}
