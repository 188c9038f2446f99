// How answers are shown to people: columns, labelled fields, short times. The JSON output
// needs none of this: it is the API's answer as is.

/** A table's cell: text, or a value shown as text (null and undefined as `-`). */
export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell, two spaces apart, under an upper-case header. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const lines = [
    headers.map((header) => header.toUpperCase()),
    ...rows.map((row) => row.map(cellText)),
  ];
  const widths = headers.map((_, column) =>
    Math.max(...lines.map((line) => displayWidth(line[column] ?? ''))),
  );
  return lines
    .map((line) =>
      line
        .map((cell, column) => (column === line.length - 1 ? cell : pad(cell, widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `Label:  value` lines, the values aligned; pairs whose value is undefined are left out. */
export function formatFields(pairs: readonly (readonly [string, Cell])[]): string {
  const shown = pairs.filter(([, value]) => value !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${pad(`${label}:`, width)}  ${cellText(value)}`).join('\n');
}

/** An ISO time to the second (`2026-05-01T12:00:03Z`); null as `-`. */
export function shortTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** A JSON value on one line. */
export function compactJson(value: unknown): string {
  return value === undefined ? '-' : JSON.stringify(value);
}

/** A JSON value, indented, as the JSON output prints it. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  // One line per row: a newline inside a reason would break the columns.
  return visible(String(cell).replace(/\s*\n\s*/g, ' '));
}

/**
 * `text` with its control characters but the newline (C0, DEL, C1) shown as escapes (`\x1b`,
 * `\r`): text the CLI did not write (keys, reasons, the API's messages) must not drive the
 * terminal (move the cursor, clear the screen, set the clipboard) or hide what is printed.
 */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (char) => {
    const named = NAMED_ESCAPES[char];
    return named ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\r': '\\r' };

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Characters as a terminal counts them, near enough (astral characters as one). */
function displayWidth(text: string): number {
  return [...text].length;
}
