import { LIMITS, unstorableTextProblem } from '#contracts';

/**
 * Deepest nesting of a result the kit sends: the coordinator's validator runs out of stack at
 * about 1,000 to 1,500 levels (fewer the deeper the stack it starts from), and a reply it cannot
 * read is dead-lettered, so the step would time out on every retry. Deeper results are refused
 * here instead (INVALID_RESULT).
 */
export const MAX_RESULT_DEPTH = 512;

/**
 * Whether `value` may be the `result` of a success reply: what replyOutcomeSchema accepts there
 * (reply-result.spec.ts pins the two against each other), checked without zod, whose parse of
 * every success outcome was the kit's main cost per command. That is JSON as z.json() takes it:
 * null, booleans, finite numbers, strings, arrays without holes and plain objects without
 * enumerable symbol keys (an own `__proto__` key is skipped, as zod skips it); no string or key
 * Postgres cannot store; at most LIMITS.json characters serialised, measured on the value as
 * it is sent (zod measured its own copy, which drops an own `__proto__` key). Refused besides,
 * where zod gave no verdict or a wrong one: what JSON.stringify cannot serialise (a cycle:
 * zod never returned), nesting past MAX_RESULT_DEPTH, and any object or array with a toJSON
 * (it would send something other than what is checked; zod ignored an inherited one).
 */
export function fitsReplyResult(value: unknown): boolean {
  try {
    // Serialised first: JSON.stringify throws on a cycle, so the walk that follows ends.
    const text = JSON.stringify(value);
    return text !== undefined && text.length <= LIMITS.json && isStorableJson(value, 0);
  } catch {
    // A cycle, nesting deeper than the stack, a BigInt, a getter that throws.
    return false;
  }
}

function isStorableJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return unstorableTextProblem(value) === undefined;
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_RESULT_DEPTH) return false;
  // A toJSON (own or inherited, on an object or an array) would send what is not checked here.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    // Indexes, not for-of: a hole reads as undefined and refuses the array, as zod does.
    for (let i = 0; i < value.length; i++) if (!isStorableJson(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value) || hasEnumerableSymbol(value)) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === '__proto__') continue;
    if (unstorableTextProblem(key) !== undefined || !isStorableJson(record[key], depth + 1)) {
      return false;
    }
  }
  return true;
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
  return Object.getOwnPropertySymbols(value).some((symbol) =>
    Object.prototype.propertyIsEnumerable.call(value, symbol),
  );
}
