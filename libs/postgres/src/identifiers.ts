/** Quotes a Postgres identifier (doubles any inner quote). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The connection option (libpq's `options`, read at connect time) that makes `schema` the first
 * place every statement looks: quoted, with spaces and backslashes escaped as the server's
 * parser of that option wants (it splits on spaces).
 */
export function searchPathOption(schema: string): string {
  return `-c search_path=${quoteIdentifier(schema).replace(/[\\ ]/g, '\\$&')}`;
}
