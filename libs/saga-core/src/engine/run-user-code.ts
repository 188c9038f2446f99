/** The result of calling code from a saga definition: its value, or the message of what it threw. */
export type UserCodeResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Calls definition code (buildCommand, onSuccess) so that a throw becomes data instead of crashing the transition. */
export function runUserCode<T>(fn: () => T): UserCodeResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
