/** Names of the SQLSTATE class 22 (data exception) conditions seen most, for reasons that carry no data. */
const DATA_EXCEPTIONS: Readonly<Record<string, string>> = {
  '22000': 'data exception',
  '22001': 'string data right truncation',
  '22003': 'numeric value out of range',
  '22007': 'invalid datetime format',
  '22008': 'datetime field overflow',
  '22012': 'division by zero',
  '22021': 'character not in repertoire',
  '22023': 'invalid parameter value',
  '22P02': 'invalid text representation',
  '22P05': 'untranslatable character',
};

/** The SQLSTATE of a Postgres error (pg's, or one TypeORM wrapped), or undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  const code =
    (error as { driverError?: { code?: unknown } } | null)?.driverError?.code ??
    (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * When `error` is a data exception (SQLSTATE class 22: the database refused a value, e.g.
 * U+0000 or bad Unicode in text or jsonb), a reason that names the condition and never the
 * value (it may be sensitive); undefined for any other error. Retrying a data exception
 * cannot succeed: the value that caused it must be set aside.
 */
export function dataErrorReason(error: unknown): string | undefined {
  const state = sqlStateOf(error);
  if (state === undefined || !state.startsWith('22')) return undefined;
  const name = DATA_EXCEPTIONS[state] ?? 'data exception';
  return `the database refused a value (SQLSTATE ${state}, ${name})`;
}
