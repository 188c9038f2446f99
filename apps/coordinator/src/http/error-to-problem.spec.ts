import { UnsealError } from '../security/field-cipher.js';
import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  IdempotencyConflictError,
  IllegalSagaActionError,
  InvalidSagaInputError,
  SagaNotFoundError,
  SagaOperationError,
  SagaVersionNotLoadedError,
  UnknownSagaTypeError,
} from '../application/saga-errors.js';
import { InvalidCursorError } from '../application/saga-errors.js';
import { DatabaseTimeoutError } from '#postgres';
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  errorToProblem,
  INTERNAL_ERROR_MESSAGE,
} from './error-to-problem.js';
import { InvalidRequestException, MAX_LISTED_PROBLEMS } from './problem.js';

describe('errorToProblem', () => {
  it('answers a value the database refused (SQLSTATE class 22) with a 400 that names no value', () => {
    const error = Object.assign(new Error('invalid input syntax for type uuid: "secret"'), {
      code: '22P02',
    });
    expect(errorToProblem(error)).toEqual({
      unexpected: false,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'the database refused a value (SQLSTATE 22P02, invalid text representation)',
      },
    });
    const other = Object.assign(new Error('deadlock'), { code: '40P01' });
    expect(errorToProblem(other).body.statusCode).toBe(500);
  });

  it('names each bad field of the input under input.', () => {
    const error = new InvalidSagaInputError([
      { path: 'amount', message: 'must be positive' },
      { path: 'items.0.sku', message: 'required' },
      { path: '', message: 'expected an object' },
    ]);
    expect(errorToProblem(error)).toEqual({
      unexpected: false,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'Invalid saga input',
        problems: [
          { field: 'input.amount', message: 'must be positive' },
          { field: 'input.items.0.sku', message: 'required' },
          { field: 'input', message: 'expected an object' },
        ],
      },
    });
  });

  it('answers 400 naming sagaType for an unknown saga type', () => {
    const { body } = errorToProblem(new UnknownSagaTypeError('no saga "nope"'));
    expect(body).toMatchObject({ statusCode: 400, problems: [{ field: 'sagaType' }] });
  });

  it('answers 400 naming cursor for a cursor no page gave out', () => {
    const { body } = errorToProblem(new InvalidCursorError());
    expect(body).toMatchObject({ statusCode: 400, problems: [{ field: 'cursor' }] });
  });

  it('answers 404 for an unknown saga', () => {
    expect(errorToProblem(new SagaNotFoundError('s-1')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no saga with id s-1',
    });
  });

  it('answers 409 for an illegal action and for a key reused with another input', () => {
    expect(errorToProblem(new IllegalSagaActionError('completed')).body.statusCode).toBe(409);
    expect(errorToProblem(new IdempotencyConflictError('reused')).body).toMatchObject({
      statusCode: 409,
      problems: [{ field: 'idempotencyKey', message: 'reused' }],
    });
  });

  it('answers 409 naming the key for a saga whose state does not open here', () => {
    const { body, unexpected } = errorToProblem(
      new UnsealError('no key k1 to open a sealed value'),
    );
    expect(body).toMatchObject({ statusCode: 409, message: 'no key k1 to open a sealed value' });
    expect(unexpected).toBe(false);
  });

  it('answers 503 for a retried start whose saga is of a version this instance does not run yet', () => {
    const { body, unexpected } = errorToProblem(new SagaVersionNotLoadedError('of version 2'));
    expect(body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'of version 2',
      problems: [{ field: 'idempotencyKey', message: 'of version 2' }],
    });
    expect(unexpected).toBe(false);
  });

  it('answers 400 for a saga operation error it has no rule for', () => {
    class NewCallerError extends SagaOperationError {}
    expect(errorToProblem(new NewCallerError('no, because')).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'no, because',
    });
  });

  it('keeps the status and message of Nest’s HTTP exceptions', () => {
    expect(errorToProblem(new NotFoundException('Cannot GET /nothing')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /nothing',
    });
    expect(errorToProblem(new BadRequestException(['a is bad', 'b is bad'])).body.message).toBe(
      'a is bad; b is bad',
    );
    expect(errorToProblem(new HttpException('request entity too large', 413)).body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request entity too large',
    });
  });

  it('names the body, without echoing it, when the body parser found no JSON object', () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token s3cret'), { status: 400 });
    const { body } = errorToProblem(
      new BadRequestException(parseError.message, { cause: parseError }),
    );
    expect(body).toMatchObject({ statusCode: 400, problems: [{ field: 'body' }] });
    expect(JSON.stringify(body)).not.toContain('s3cret');
  });

  it('lists at most 20 problems and counts the rest in the message', () => {
    const problems = Array.from({ length: 25 }, (_, i) => ({ field: `f${i}`, message: 'bad' }));
    const { body } = errorToProblem(new InvalidRequestException(problems));
    expect(body.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(body.message).toMatch(/and 5 more$/);
  });

  it('answers anything else with a 500 that reveals nothing, and marks it to be logged', () => {
    for (const error of [new Error('password=s3cret'), 'a string', undefined]) {
      expect(errorToProblem(error)).toEqual({
        unexpected: true,
        body: { statusCode: 500, error: 'Internal Server Error', message: INTERNAL_ERROR_MESSAGE },
      });
    }
  });

  it('marks a 5xx HTTP exception to be logged', () => {
    expect(errorToProblem(new ServiceUnavailableException('draining')).unexpected).toBe(true);
    expect(errorToProblem(new NotFoundException()).unexpected).toBe(false);
  });

  it('answers a lost or silent database with a 503 to try again, and marks it to be logged', () => {
    const terminated = Object.assign(
      new Error('terminating connection due to administrator command'),
      {
        code: '57P01',
      },
    );
    const timedOut = new DatabaseTimeoutError('the database did not answer within 35000 ms');
    for (const error of [terminated, new Error('Connection terminated unexpectedly'), timedOut]) {
      expect(errorToProblem(error)).toEqual({
        unexpected: true,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: DATABASE_UNAVAILABLE_MESSAGE,
        },
      });
    }
  });
});
