/** Where the committed AsyncAPI document lives, from the repository root. */
export const ASYNCAPI_FILE = 'docs/asyncapi.json';

/** The command that regenerates the committed document. */
export const REGENERATE_ASYNCAPI = 'npm run asyncapi';

/** Whether the committed document says what the schemas give, and if not, why. */
export type AsyncApiFreshness =
  { readonly fresh: true } | { readonly fresh: false; readonly reason: string };

/** The text written to {@link ASYNCAPI_FILE} for `document` (`npm run asyncapi` then runs prettier on it). */
export function asyncApiText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Compares the committed text (undefined: no file) with the document the schemas give. Fresh
 * when the text parses to the same JSON, key order included (formatting is prettier's to check);
 * else the reason names the first difference and tells to run {@link REGENERATE_ASYNCAPI}.
 */
export function asyncApiFreshness(
  committed: string | undefined,
  document: unknown,
): AsyncApiFreshness {
  const stale = (why: string): AsyncApiFreshness => ({
    fresh: false,
    reason: `${ASYNCAPI_FILE} ${why}: run \`${REGENERATE_ASYNCAPI}\` and commit the result`,
  });
  if (committed === undefined) return stale('is missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(committed);
  } catch {
    return stale('is not valid JSON');
  }
  const difference = firstDifference(parsed, JSON.parse(JSON.stringify(document)), '');
  if (difference === undefined) return { fresh: true };
  return stale(`differs from what the schemas give (first at ${difference || '/'})`);
}

/** The JSON pointer of the first place where `a` and `b` differ, or undefined when they are equal. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b ? undefined : at;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return at;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  const pointerTo = (key: string) => `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  for (let index = 0; index < Math.max(aKeys.length, bKeys.length); index++) {
    const key = (bKeys[index] ?? aKeys[index])!;
    const pointer = pointerTo(key);
    if (aKeys[index] !== bKeys[index]) return pointer;
    const inner = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      pointer,
    );
    if (inner !== undefined) return inner;
  }
  return undefined;
}
