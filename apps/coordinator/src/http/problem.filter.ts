import {
  Catch,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { SagaCapacityError } from '../application/saga-errors.js';
import { errorToProblem } from './error-to-problem.js';

/**
 * Answers every error of the HTTP API with a `ProblemBody` (see `errorToProblem`) and
 * logs the unexpected ones, with their stack, on the server side only. A 429 or a 503 says
 * when to come back (`Retry-After`).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const { body, unexpected } = errorToProblem(error);
    if (unexpected) {
      this.logger.error(
        error instanceof Error ? error.message : 'non-Error thrown',
        error instanceof Error ? error.stack : undefined,
      );
    }
    const response = host.switchToHttp().getResponse<Response>();
    // Too late for an answer of our own: end what was sent.
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof SagaCapacityError) {
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
    } else if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      // A dependency is away: 1 to 3 s, spread so that the clients refused together do not
      // all come back at once.
      response.setHeader('Retry-After', String(1 + Math.floor(Math.random() * 3)));
    }
    response.status(body.statusCode).json(body);
  }
}
