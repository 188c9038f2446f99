/** The largest request body accepted, in bytes (1 MiB); a larger one is answered 413. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** The deepest nesting of objects and arrays accepted in a JSON body; deeper is a 400 on `body`. */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests objects and arrays deeper than `maxDepth` (iterative: no stack overflow). */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
