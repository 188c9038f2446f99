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
 *   arrays without holes, and objects whose constructor is Object's (or that have none, or
 *   inherit it from a plain object), without enumerable symbol keys; nothing with a toJSON
 *   method (it would send what was not checked);
 * - readable by every JavaScript reader as it was written: no key `__proto__` (a reader would
 *   take it for the object's prototype);
 * - at most LIMITS.jsonDepth arrays and objects deep (readers that recurse stay within their
 *   stack; a cycle is refused as too deep);
 * - storable by Postgres: no string or key with U+0000 or a lone surrogate;
 * - at most LIMITS.json characters once serialised: measured once the rest holds, and known
 *   too big as soon as the walk meets more values than that (each takes a character at least),
 *   so a value that shares its parts (`v = [v, v]`, many times over) ends the walk early.
 * Problems come in the value's order, keys in their own order. One walk and a stringify,
 * against the three walks of the zod schemas it replaced (z.json(), the storability walk, the
 * size).
 */
export function jsonValueProblems(value: unknown, max = 10): JsonValueProblem[] {
  const walk = new Walk(max);
  walk.visit(value, 0);
  if (walk.tooBig) return [{ path: [], message: TOO_BIG_JSON }];
  const { found } = walk;
  if (found.length === 0 && JSON.stringify(value).length > LIMITS.json) {
    found.push({ path: [], message: TOO_BIG_JSON });
  }
  return found;
}

/** One walk: where it is, what it found, how many values it met. */
class Walk {
  readonly found: JsonValueProblem[] = [];
  private readonly path: (string | number)[] = [];
  private values = 0;
  tooBig = false;

  constructor(private readonly max: number) {}

  /** True once nothing more is to be found: `max` problems, or too many values. */
  get done(): boolean {
    return this.tooBig || this.found.length >= this.max;
  }

  /** Checks `value` (`depth` arrays and objects in) and what it holds. */
  visit(value: unknown, depth: number): void {
    if (this.done) return;
    if (++this.values > LIMITS.json) {
      this.tooBig = true;
      return;
    }
    switch (typeof value) {
      case 'string': {
        const unstorable = unstorableTextProblem(value);
        if (unstorable !== undefined) this.problem(unstorable);
        return;
      }
      case 'number':
        if (!Number.isFinite(value)) this.problem(`not a JSON value (${value})`);
        return;
      case 'boolean':
        return;
      case 'object':
        if (value === null) return;
        break;
      default:
        this.problem(`not a JSON value (${typeof value})`);
        return;
    }
    if (depth >= LIMITS.jsonDepth) {
      this.problem(`nested deeper than ${LIMITS.jsonDepth} arrays and objects`);
      return;
    }
    if (Array.isArray(value)) this.visitArray(value, depth);
    else this.visitObject(value, depth);
  }

  private visitArray(array: readonly unknown[], depth: number): void {
    if (hasToJson(array)) {
      this.problem(TO_JSON);
      return;
    }
    // Indexes, not for-of: a hole reads as undefined and is refused.
    for (let index = 0; index < array.length && !this.done; index++) {
      this.path.push(index);
      this.visit(array[index], depth + 1);
      this.path.pop();
    }
  }

  private visitObject(object: object, depth: number): void {
    if (!isPlainObject(object)) {
      this.problem(`not a JSON value (${objectKind(object)})`);
      return;
    }
    if (hasToJson(object)) {
      this.problem(TO_JSON);
      return;
    }
    if (hasEnumerableSymbol(object)) this.problem('not a JSON value (a symbol key)');
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (this.done) return;
      this.path.push(key);
      if (key === '__proto__') this.problem(PROTO_KEY);
      else {
        const unstorable = unstorableTextProblem(key);
        if (unstorable !== undefined) this.problem(`key ${unstorable}`);
        this.visit(record[key], depth + 1);
      }
      this.path.pop();
    }
  }

  private problem(message: string): void {
    this.found.push({ path: [...this.path], message });
  }
}

const PROTO_KEY = 'key __proto__ is refused: a reader would take it for the prototype';

// JSON.stringify would send what toJSON returns, which was not checked.
const TO_JSON = 'not a JSON value (it has a toJSON method)';

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * A plain object: no constructor function, or one whose prototype owns isPrototypeOf (Object's,
 * or another realm's Object's), as zod tells a record.
 */
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
