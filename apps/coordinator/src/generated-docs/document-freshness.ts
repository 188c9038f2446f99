/** The command that regenerates the committed documents. */
export const REGENERATE_DOCS = 'npm run docs:generate';

/** Whether a committed document says what the code gives, and if not, why. */
export type DocumentFreshness =
  { readonly fresh: true } | { readonly fresh: false; readonly reason: string };

/** The text written for a JSON document (`npm run docs:generate` then runs prettier on it). */
export function jsonText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Compares the committed text of `file` (undefined: no file) with the JSON document the code
 * gives. Fresh when the text parses to the same JSON, key order included (formatting is
 * prettier's to check); else the reason names the first difference and tells to run
 * {@link REGENERATE_DOCS}.
 */
export function jsonFreshness(
  file: string,
  committed: string | undefined,
  document: unknown,
): DocumentFreshness {
  const stale = staleness(file);
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

/** Compares a committed text document with the text the code gives, exactly. */
export function textFreshness(
  file: string,
  committed: string | undefined,
  text: string,
): DocumentFreshness {
  const stale = staleness(file);
  if (committed === undefined) return stale('is missing');
  if (committed === text) return { fresh: true };
  const line = committed.split('\n').findIndex((row, index) => row !== text.split('\n')[index]);
  return stale(`differs from what the code gives (first at line ${line + 1})`);
}

function staleness(file: string): (why: string) => DocumentFreshness {
  return (why) => ({
    fresh: false,
    reason: `${file} ${why}: run \`${REGENERATE_DOCS}\` and commit the result`,
  });
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
