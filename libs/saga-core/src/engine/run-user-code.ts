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
 * Builds a command's payload with definition code: its value, or why there is none (the code
 * threw, or what it returned is no JSON a message can carry: a BigInt, a cycle, a lone
 * surrogate, too big; see jsonValueProblems). Caught here, it fails the step like a throw,
 * where it would make every write of the saga's decision fail.
 */
export function buildPayload(build: () => JsonValue): UserCodeResult<JsonValue> {
  const payload = runUserCode(build);
  if (!payload.ok) return payload;
  const [problem] = jsonValueProblems(payload.value, 1);
  if (problem === undefined) return payload;
  const at = problem.path.length === 0 ? '' : ` at ${problem.path.join('.')}`;
  return {
    ok: false,
    message: `the payload is not JSON a message can carry${at}: ${problem.message}`,
  };
}
