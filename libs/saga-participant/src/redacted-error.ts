import { MAX_CAUSES } from '#errors';
import { dataErrorReason, sqlStateOf } from '#postgres';

/** A name or code worth logging: an identifier (`22P02`, `ECONNREFUSED`, `STOCK_DB_DOWN`), never free text. */
const IDENTIFIER = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * What a handler threw, for a log line, without its messages: they may quote payload values (a
 * database's `invalid input syntax for type uuid: "<value>"`), and logs never carry payloads.
 * Each error of the `cause` chain, outermost first, ` <- ` between, by its name and its code
 * when it has one (`TechnicalError [STOCK_DB_DOWN]`); a data exception (SQLSTATE class 22) also
 * by its condition, as dataErrorReason names it. A thrown value that is not an Error is named by
 * its type only (a cause that is not one ends the chain).
 */
export function redactedError(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${typeof error}`;
  const links: string[] = [];
  let current: unknown = error;
  // As many causes as describeError tells, which also ends a chain that loops.
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth += 1) {
    links.push(redactedLink(current));
    current = current.cause;
  }
  return links.join(' <- ');
}

function redactedLink(error: Error): string {
  const name = IDENTIFIER.test(error.name) ? error.name : 'Error';
  const ownCode = (error as { code?: unknown }).code;
  const code =
    sqlStateOf(error) ??
    (typeof ownCode === 'string' && IDENTIFIER.test(ownCode) ? ownCode : undefined);
  const condition = dataErrorReason(error);
  return `${name}${code === undefined ? '' : ` [${code}]`}${condition === undefined ? '' : `: ${condition}`}`;
}
