import { unstorableTextProblem } from '#contracts';

// A backslash, U+0000, or a UTF-16 surrogate without its pair (no `u` flag: code units).
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be spelled out
const ESCAPED = /\\|\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPE = /\\(\\|u[0-9a-f]{4})/g;

/**
 * `text` with what Postgres cannot store (U+0000, lone surrogates) spelled `\uXXXX`, and
 * backslashes doubled so that {@link unescapeText} restores it exactly.
 */
export function escapeText(text: string): string {
  return text.replace(ESCAPED, (unit) =>
    unit === '\\' ? '\\\\' : `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The text {@link escapeText} was given. */
export function unescapeText(text: string): string {
  return text.replace(ESCAPE, (_match, escape: string) =>
    escape === '\\' ? '\\' : String.fromCharCode(Number.parseInt(escape.slice(1), 16)),
  );
}

/** True when any of `texts` (nulls skipped) holds what Postgres cannot store as text or jsonb. */
export function anyUnstorable(texts: readonly (string | null)[]): boolean {
  return texts.some((text) => text !== null && unstorableTextProblem(text) !== undefined);
}

/** The texts of a `dead_letters` row that are escaped together when one of them must be. */
export interface EscapableDeadLetterText {
  readonly original_topic: string;
  readonly message_key: string | null;
  readonly headers: Record<string, string>;
  readonly value: string | null;
  readonly reason: string;
}

/**
 * The row's texts as they were received: unescaped when the row says they were stored escaped
 * (`text_escaped`). A sealed value is left as it is (it is stored as base64, never escaped).
 */
export function unescapedRow<
  Row extends EscapableDeadLetterText & { text_escaped: boolean; value_sealed: boolean },
>(row: Row): Row {
  if (!row.text_escaped) return row;
  return {
    ...row,
    original_topic: unescapeText(row.original_topic),
    message_key: row.message_key === null ? null : unescapeText(row.message_key),
    headers: Object.fromEntries(
      Object.entries(row.headers).map(([name, value]) => [unescapeText(name), unescapeText(value)]),
    ),
    value: row.value === null || row.value_sealed ? row.value : unescapeText(row.value),
    reason: unescapeText(row.reason),
  };
}
