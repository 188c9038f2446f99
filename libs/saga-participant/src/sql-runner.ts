/** Runs one SQL statement with positional parameters (`$1`, `$2`, ...) and returns its rows. */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<Row[]>;
}
