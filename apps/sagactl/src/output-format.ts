// How answers are shown to people: columns, labelled fields, short times, text the CLI did not
// write made harmless to a terminal. The JSON output is the API's answer as is, but for the
// control characters JSON.stringify leaves raw (prettyJson).

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

/** A row of a table printed alone (`watch`): its cells as formatTable shows them, unpadded. */
export function formatRow(cells: readonly Cell[]): string {
  return cells.map(cellText).join('  ');
}

/** A JSON value on one line, its DEL and C1 characters escaped (see {@link prettyJson}). */
export function compactJson(value: unknown): string {
  return value === undefined ? '-' : escapeJsonControls(JSON.stringify(value));
}

/**
 * A JSON value, indented, as the JSON output prints it. JSON.stringify escapes the C0 controls
 * only: DEL and the C1 ones (U+007F to U+009F; a terminal may take U+009B for CSI) are escaped
 * here too, as `\u009b`. The JSON stays the same value: they can stand only inside its strings.
 */
export function prettyJson(value: unknown): string {
  return escapeJsonControls(JSON.stringify(value ?? null, null, 2));
}

/**
 * `text` (not the CLI's: an id, a reason, a topic) for a line of the CLI's own: on one line, its
 * control characters shown as escapes ({@link visible}), so that it can neither drive the
 * terminal nor forge a line of output.
 */
export function oneLine(text: string): string {
  return visible(text.replace(/\s*\n\s*/g, ' '));
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '-';
  // One line per row: a newline inside a reason would break the columns.
  return oneLine(String(cell));
}

function escapeJsonControls(json: string): string {
  return json.replace(
    /[\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
