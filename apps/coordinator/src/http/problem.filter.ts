import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { SagaCapacityError } from '../application/saga-errors.js';
import { errorToProblem } from './error-to-problem.js';

/**
 * Answers every error of the HTTP API with a `ProblemBody` (see `errorToProblem`) and
 * logs the unexpected ones, with their stack, on the server side only.
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
    }
    response.status(body.statusCode).json(body);
  }
}
