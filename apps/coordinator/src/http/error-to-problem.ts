import { HttpException, HttpStatus } from '@nestjs/common';
import { dataErrorReason } from '#postgres';
import {
  IdempotencyConflictError,
  IllegalSagaActionError,
  InvalidSagaInputError,
  InvalidSagaQueryError,
  SagaCapacityError,
  SagaNotFoundError,
  SagaOperationError,
  SagaVersionNotLoadedError,
  SagaVersionNotRunHereError,
  UnknownSagaTypeError,
  UnknownSagaVersionError,
} from '../application/saga-errors.js';
import { InvalidCursorError } from '../application/saga-errors.js';
import { UnsealError } from '../security/field-cipher.js';
import { InvalidRequestException, problemBody, type ProblemBody } from './problem.js';
import { isDatabaseUnavailable } from '#postgres';

/** An error's answer, and whether it was unexpected (a 5xx, to be logged). */
export interface MappedProblem {
  readonly body: ProblemBody;
  readonly unexpected: boolean;
}

/** The message of every unexpected error: its own text may hold secrets. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** The message of a 503: the database was lost or did not answer in time. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable; try again';

type ErrorClass = abstract new (...args: never[]) => Error;

/** The saga errors with a fixed answer: their status, and the field to name, if any. */
const SAGA_ERRORS: readonly (readonly [type: ErrorClass, status: number, field?: string])[] = [
  // Before its parent class: a version's fault is the version's.
  [UnknownSagaVersionError, HttpStatus.BAD_REQUEST, 'sagaVersion'],
  [UnknownSagaTypeError, HttpStatus.BAD_REQUEST, 'sagaType'],
  [InvalidCursorError, HttpStatus.BAD_REQUEST, 'cursor'],
  [SagaNotFoundError, HttpStatus.NOT_FOUND],
  [IdempotencyConflictError, HttpStatus.CONFLICT, 'idempotencyKey'],
  [IllegalSagaActionError, HttpStatus.CONFLICT],
  [SagaCapacityError, HttpStatus.TOO_MANY_REQUESTS],
  [SagaVersionNotLoadedError, HttpStatus.SERVICE_UNAVAILABLE, 'idempotencyKey'],
  [SagaVersionNotRunHereError, HttpStatus.SERVICE_UNAVAILABLE],
  // A saga sealed under a key no longer in the keyring: its message names the key id only.
  [UnsealError, HttpStatus.CONFLICT],
];

/**
 * Maps any error to the API's error answer: the saga errors to their 4xx, Nest's HTTP
 * exceptions to their own status, a lost or silent database to a 503 (try again), a value the
 * database refused (SQLSTATE class 22, which the request's validation should have caught) to a
 * 400 naming only the condition, and anything
 * else to a 500 that reveals nothing.
 */
export function errorToProblem(error: unknown): MappedProblem {
  if (error instanceof InvalidSagaInputError) {
    const problems = error.problems.map((p) => ({
      field: p.path === '' ? 'input' : `input.${p.path}`,
      message: p.message,
    }));
    return expected(problemBody(HttpStatus.BAD_REQUEST, 'Invalid saga input', problems));
  }
  if (error instanceof InvalidSagaQueryError) {
    const problems = [{ field: error.field, message: error.message }];
    return expected(
      problemBody(HttpStatus.BAD_REQUEST, `invalid ${error.field}: ${error.message}`, problems),
    );
  }
  for (const [type, status, field] of SAGA_ERRORS) {
    if (!(error instanceof type)) continue;
    const problems = field === undefined ? undefined : [{ field, message: error.message }];
    return expected(problemBody(status, error.message, problems));
  }
  // By its contract, any other saga operation error is the caller's doing.
  if (error instanceof SagaOperationError) {
    return expected(problemBody(HttpStatus.BAD_REQUEST, error.message));
  }
  if (error instanceof HttpException) return fromHttpException(error);
  if (isDatabaseUnavailable(error)) {
    // Lost connection, or no answer in time: nothing was decided, the same request may be sent again.
    return {
      body: problemBody(HttpStatus.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE),
      unexpected: true,
    };
  }
  const refused = dataErrorReason(error);
  if (refused !== undefined) return expected(problemBody(HttpStatus.BAD_REQUEST, refused));
  return {
    body: problemBody(HttpStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR_MESSAGE),
    unexpected: true,
  };
}

function expected(body: ProblemBody): MappedProblem {
  return { body, unexpected: false };
}

function fromHttpException(exception: HttpException): MappedProblem {
  const status = exception.getStatus();
  if (exception instanceof InvalidRequestException) {
    return expected(problemBody(status, exception.message, exception.problems));
  }
  // Express's body parser: malformed JSON, or a JSON value other than an object or array.
  if (status === HttpStatus.BAD_REQUEST && exception.cause instanceof SyntaxError) {
    const message = 'the body is not a valid JSON object';
    return expected(problemBody(status, message, [{ field: 'body', message }]));
  }
  return { body: problemBody(status, messageOf(exception)), unexpected: status >= 500 };
}

/** The message Nest put in the exception's answer (a string, or a list of them). */
function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}
