import {
  LIMITS,
  TOO_BIG_JSON,
  jsonValueProblems,
  type JsonValue,
  type JsonValueProblem,
} from '#contracts';
import { redactedError } from './redacted-error.js';

/** A handler's result made plain JSON, or why it cannot be (for a log line: no values in it). */
export type PlainJsonResult =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly reason: string };

/**
 * A handler's result as the reply's `result`: what JSON.stringify would write of it, read back
 * (a Date as its ISO string, a class instance by its own enumerable fields, a field left
 * undefined left out: see plainJson), when that fits the free-JSON rules (jsonValueProblems).
 * Otherwise the reason, told by the problem and its path, or by the name of what reading the
 * result threw (a toJSON, a getter): never a value.
 */
export function plainJsonResult(result: unknown): PlainJsonResult {
  let problem: JsonValueProblem | undefined;
  let value: JsonValue | undefined;
  try {
    const plain = plainJson(result);
    if ('problem' in plain) problem = plain.problem;
    else {
      value = plain.value;
      problem = jsonValueProblems(value, 1)[0];
    }
  } catch (error) {
    return { ok: false, reason: `reading it threw ${redactedError(error)}` };
  }
  if (problem !== undefined) return { ok: false, reason: describeProblem(problem) };
  return { ok: true, value: value! };
}

/**
 * `value` as JSON.parse(JSON.stringify(value)) gives it, without the text in between: toJSON
 * called first (with its key), Number, String and Boolean objects unwrapped, any other object
 * by its own enumerable string keys, a non-finite number as null, undefined, a function or a
 * symbol left out of an object and null in an array. What JSON.stringify throws on (a BigInt, a
 * cycle) is a problem instead, and so is nesting deeper than LIMITS.jsonDepth or more than
 * LIMITS.json values: the walk stops there, so a value that shares its parts many times over is
 * never expanded. Throws what a toJSON or a getter throws.
 */
export function plainJson(
  value: unknown,
): { readonly value: JsonValue } | { readonly problem: JsonValueProblem } {
  const walk = new PlainJsonWalk();
  try {
    const plain = walk.convert(value, '', 0);
    if (plain === undefined) return { problem: { path: [], message: notJson(typeof value) } };
    return { value: plain };
  } catch (error) {
    if (error instanceof Unfit) return { problem: error.problem };
    throw error;
  }
}

/** Ends a walk that met what JSON cannot hold. */
class Unfit extends Error {
  constructor(readonly problem: JsonValueProblem) {
    super(problem.message);
  }
}

/** One walk of plainJson: where it is, the objects it is inside, how many values it met. */
class PlainJsonWalk {
  private readonly path: (string | number)[] = [];
  private readonly inside = new Set<object>();
  private values = 0;

  /** The value under `key`, as JSON.stringify writes a property; undefined when it leaves it out. */
  convert(value: unknown, key: string, depth: number): JsonValue | undefined {
    if (++this.values > LIMITS.json) throw new Unfit({ path: [], message: TOO_BIG_JSON });
    let current = value;
    if ((typeof current === 'object' && current !== null) || typeof current === 'bigint') {
      const toJson = (current as { toJSON?: unknown }).toJSON;
      if (typeof toJson === 'function') current = toJson.call(current, key) as unknown;
    }
    if (current instanceof Number) current = Number(current);
    else if (current instanceof String) current = String(current);
    else if (current instanceof Boolean) current = current.valueOf();
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return current;
      case 'number':
        return Number.isFinite(current) ? current : null;
      case 'object':
        return current === null ? null : this.object(current, depth);
      case 'bigint':
        return this.fail(notJson('bigint'));
      default:
        return undefined; // undefined, a function, a symbol
    }
  }

  private object(object: object, depth: number): JsonValue {
    if (this.inside.has(object)) this.fail('a cycle (JSON.stringify cannot write it)');
    if (depth >= LIMITS.jsonDepth) {
      this.fail(`nested deeper than ${LIMITS.jsonDepth} arrays and objects`);
    }
    this.inside.add(object);
    const plain = Array.isArray(object) ? this.array(object, depth) : this.record(object, depth);
    this.inside.delete(object);
    return plain;
  }

  private array(array: readonly unknown[], depth: number): JsonValue[] {
    const plain: JsonValue[] = [];
    for (let index = 0; index < array.length; index++) {
      this.path.push(index);
      plain.push(this.convert(array[index], String(index), depth + 1) ?? null);
      this.path.pop();
    }
    return plain;
  }

  private record(object: object, depth: number): { [key: string]: JsonValue } {
    const entries: [string, JsonValue][] = [];
    for (const key of Object.keys(object)) {
      this.path.push(key);
      const each = this.convert((object as Record<string, unknown>)[key], key, depth + 1);
      this.path.pop();
      if (each !== undefined) entries.push([key, each]);
    }
    // fromEntries defines each key: an own `__proto__` stays a key, which the check refuses.
    return Object.fromEntries(entries);
  }

  private fail(message: string): never {
    throw new Unfit({ path: [...this.path], message });
  }
}

const notJson = (kind: string) => `not a JSON value (${kind})`;

/** A key shown in a reason: a field name. Any other (a record keyed by data) is shown as `*`. */
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** The problem and where: `not a JSON value (bigint) at $.items[2].price`. */
function describeProblem({ path, message }: JsonValueProblem): string {
  if (path.length === 0) return message;
  const where = path
    .map((step) => {
      if (typeof step === 'number') return `[${step}]`;
      return FIELD_NAME.test(step) ? `.${step}` : '.*';
    })
    .join('');
  return `${message} at $${where}`;
}
