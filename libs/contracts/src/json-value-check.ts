import { LIMITS } from './limits.js';
import { unstorableTextProblem } from './storable-text.js';

/** Why a value cannot be a free-JSON field of a message, and where in it. */
export interface JsonValueProblem {
  /** Object keys and array indexes, outermost first; empty for the value itself. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The problems of a free-JSON field that is too big serialised (checked once the rest holds). */
export const TOO_BIG_JSON = `Too big: serialised JSON must be at most ${LIMITS.json} characters`;

/**
 * Every reason `value` cannot be a free-JSON field (a payload, result, details, input or
 * detail), at most `max` of them, in one walk over it. Such a value is:
 * - JSON that JSON.stringify writes as it is checked: null, booleans, finite numbers, strings,
 *   arrays without holes, plain objects (Object's prototype or none) without enumerable symbol
 *   keys, and nothing with a toJSON method (it would send what was not checked);
 * - readable by every JavaScript reader as it was written: no key `__proto__` (a reader would
 *   take it for the object's prototype, and zod's copy dropped it without a word);
 * - at most LIMITS.jsonDepth arrays and objects deep (readers that recurse stay on their stack;
 *   a cycle is refused as too deep);
 * - storable by Postgres: no string or key with U+0000 or a lone surrogate;
 * - at most LIMITS.json characters once serialised (measured only when the rest holds).
 * One pass and a stringify, against the three passes of the zod schemas it replaced (z.json(),
 * then the storability walk, then the size).
 */
export function jsonValueProblems(value: unknown, max = 10): JsonValueProblem[] {
  const found: JsonValueProblem[] = [];
  walk(value, [], 0, found, max);
  if (found.length === 0 && JSON.stringify(value).length > LIMITS.json) {
    found.push({ path: [], message: TOO_BIG_JSON });
  }
  return found;
}

/** Checks `value` (at `path`, `depth` arrays and objects in) and what it holds, until `max` are found. */
function walk(
  value: unknown,
  path: (string | number)[],
  depth: number,
  found: JsonValueProblem[],
  max: number,
): void {
  if (found.length >= max) return;
  const problem = (message: string) => found.push({ path: [...path], message });
  switch (typeof value) {
    case 'string': {
      const unstorable = unstorableTextProblem(value);
      if (unstorable !== undefined) problem(unstorable);
      return;
    }
    case 'number':
      if (!Number.isFinite(value)) problem(`not a JSON value (${value})`);
      return;
    case 'boolean':
      return;
    case 'object':
      if (value === null) return;
      break;
    default:
      problem(`not a JSON value (${typeof value})`);
      return;
  }
  if (depth >= LIMITS.jsonDepth) {
    problem(`nested deeper than ${LIMITS.jsonDepth} arrays and objects`);
    return;
  }
  if (Array.isArray(value)) {
    if (hasToJson(value)) {
      problem(TO_JSON);
      return;
    }
    // Indexes, not for-of: a hole reads as undefined and is refused.
    for (let index = 0; index < value.length && found.length < max; index++) {
      path.push(index);
      walk(value[index], path, depth + 1, found, max);
      path.pop();
    }
    return;
  }
  if (!isPlainObject(value)) {
    problem(`not a JSON value (${objectKind(value)})`);
    return;
  }
  if (hasToJson(value)) {
    problem(TO_JSON);
    return;
  }
  if (hasEnumerableSymbol(value)) problem('not a JSON value (a symbol key)');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (found.length >= max) return;
    path.push(key);
    if (key === '__proto__')
      problem('key __proto__ is refused: a reader would take it for the prototype');
    else {
      const unstorable = unstorableTextProblem(key);
      if (unstorable !== undefined) problem(`key ${unstorable}`);
      walk(record[key], path, depth + 1, found, max);
    }
    path.pop();
  }
}

// JSON.stringify would send what toJSON returns, which was not checked.
const TO_JSON = 'not a JSON value (it has a toJSON method)';

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** zod's test for a record: no constructor function, or one whose prototype owns isPrototypeOf. */
function isPlainObject(value: object): boolean {
  const { constructor } = value as { constructor?: unknown };
  if (typeof constructor !== 'function') return true;
  const prototype: unknown = constructor.prototype;
  return (
    typeof prototype === 'object' &&
    prototype !== null &&
    !Array.isArray(prototype) &&
    Object.hasOwn(prototype, 'isPrototypeOf')
  );
}

function hasEnumerableSymbol(value: object): boolean {
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) return true;
  }
  return false;
}

/** A name for what an object that is not plain is: its constructor's, else "an object". */
function objectKind(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
}
