import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** One bad field of a request, named by its dotted path (`input.amount`, `idempotencyKey`). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The body of every error answer of the API. */
export interface ProblemBody {
  readonly statusCode: number;
  /** The status text, e.g. `Bad Request`. */
  readonly error: string;
  readonly message: string;
  readonly problems?: readonly FieldProblem[];
}

/** At most this many problems are listed in one answer; the message counts the rest. */
export const MAX_LISTED_PROBLEMS = 20;

/** Builds an error answer's body; lists the first {@link MAX_LISTED_PROBLEMS} problems. */
export function problemBody(
  statusCode: number,
  message: string,
  problems?: readonly FieldProblem[],
): ProblemBody {
  const error = STATUS_CODES[statusCode] ?? 'Error';
  if (problems === undefined || problems.length === 0) return { statusCode, error, message };
  return { statusCode, error, message, problems: problems.slice(0, MAX_LISTED_PROBLEMS) };
}

/** A 400 answer naming each bad field of the request. */
export class InvalidRequestException extends HttpException {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(summarise(problems), HttpStatus.BAD_REQUEST);
  }
}

function summarise(problems: readonly FieldProblem[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.field}: ${p.message}`);
  const more = problems.length - listed.length;
  return `Invalid request: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
