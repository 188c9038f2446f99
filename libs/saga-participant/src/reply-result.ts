import { jsonValueProblems } from '#contracts';

/**
 * Whether `value` may be the `result` of a success reply: a free-JSON value as the reply schema
 * takes it (jsonValueProblems), checked without the rest of the schema (an envelope the kit
 * builds itself). Anything that throws while read (a getter, a BigInt serialised) is refused too.
 */
export function fitsReplyResult(value: unknown): boolean {
  try {
    return jsonValueProblems(value, 1).length === 0;
  } catch {
    return false;
  }
}
