import { jsonValueProblems, type JsonValue } from '#contracts';

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

/**
 * Builds JSON with definition code (a command's payload, the context): its value, or why there
 * is none (the code threw, or what it returned is no JSON a message or a saga's row can carry: a
 * BigInt, a cycle, a lone surrogate, too big; see jsonValueProblems). Caught here, it fails like
 * a throw, where it would make every write of the saga's decision fail. `what` names it in the
 * reason.
 */
export function buildJson(build: () => JsonValue, what = 'the payload'): UserCodeResult<JsonValue> {
  const built = runUserCode(build);
  if (!built.ok) return built;
  const [problem] = jsonValueProblems(built.value, 1);
  if (problem === undefined) return built;
  const at = problem.path.length === 0 ? '' : ` at ${problem.path.join('.')}`;
  return { ok: false, message: `${what} is not JSON a message can carry${at}: ${problem.message}` };
}
