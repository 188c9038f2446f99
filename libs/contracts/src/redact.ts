import type { JsonValue } from './json-value.js';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * A copy of `value` (plain JSON-like data) in which every field named by one of `paths` is replaced by `replacement`.
 * Paths are dotted keys, `*` matching any key or array index (`payment.cardToken`,
 * `cards.*.number`). An array met on a path is searched element by element, so `items.sku`
 * reaches `items[i].sku`. The input is never changed; a value with nothing to redact comes back
 * as is.
 */
export function redactPaths<T>(
  value: T,
  paths: readonly string[],
  replacement: JsonValue = REDACTED,
): T {
  return mapPaths(value, paths, () => replacement);
}

/** Replaces each value a path names by `replace(value)`; paths as in {@link redactPaths}. */
export type PathReplacer = (current: JsonValue) => JsonValue;

/**
 * Like {@link redactPaths}, with each named value replaced by `replace(value)` (e.g. sealed or
 * opened); unchanged parts are shared, and `value` itself is never changed.
 */
export function mapPaths<T>(value: T, paths: readonly string[], replace: PathReplacer): T {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  let result = value as unknown as JsonValue;
  for (const path of paths) result = redactPath(result, path.split('.'), replace);
  return result as T;
}

function redactPath(
  value: JsonValue,
  keys: readonly string[],
  replacement: PathReplacer,
): JsonValue {
  if (keys.length === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const index = keys[0] === '*' ? undefined : Number(keys[0]);
    if (index !== undefined && Number.isInteger(index) && String(index) === keys[0]) {
      return replaceAt(value, index, keys, replacement);
    }
    const forEach = keys[0] === '*' ? keys.slice(1) : keys;
    if (forEach.length === 0) return value.map((item) => replacement(item));
    return mapIfChanged(value, (item) => redactPath(item, forEach, replacement));
  }
  const [head, ...rest] = keys as [string, ...string[]];
  const names = head === '*' ? Object.keys(value) : Object.hasOwn(value, head) ? [head] : [];
  let copy: Record<string, JsonValue> | undefined;
  for (const name of names) {
    const current = value[name] as JsonValue;
    const next = rest.length === 0 ? replacement(current) : redactPath(current, rest, replacement);
    if (next !== current) (copy ??= { ...value })[name] = next;
  }
  return copy ?? value;
}

function replaceAt(
  array: readonly JsonValue[],
  index: number,
  keys: readonly string[],
  replacement: PathReplacer,
): JsonValue {
  if (index >= array.length) return array as JsonValue[];
  const current = array[index] as JsonValue;
  const next =
    keys.length === 1 ? replacement(current) : redactPath(current, keys.slice(1), replacement);
  if (next === current) return array as JsonValue[];
  const copy = [...array];
  copy[index] = next;
  return copy;
}

function mapIfChanged(array: readonly JsonValue[], map: (item: JsonValue) => JsonValue): JsonValue {
  let copy: JsonValue[] | undefined;
  array.forEach((item, index) => {
    const next = map(item);
    if (next !== item) (copy ??= [...array])[index] = next;
  });
  return copy ?? (array as JsonValue[]);
}
