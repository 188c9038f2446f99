import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  SAGA_OPERATIONS,
  type OperatorActionAnswer,
  type SagaOperations,
} from '../application/saga-operations.js';
import { ApiProblems } from './api-problems.decorator.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { RequestActor } from './request-actor.js';
import { RequireRole } from './route-access.js';
import { operatorActionBodySchema, sagaIdSchema, stepIdSchema } from './request-schemas.js';
import { operatorActionAnswerSchema } from './response-schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

/** The body of an operator action: an optional reason, recorded in the audit log. */
type OperatorActionBody = { readonly reason?: string } | undefined;

/**
 * Operator actions on one saga: `POST /sagas/:id/cancel`, `/resume` and
 * `/steps/:stepId/retry`, for the `operate` role; the audit log records the authenticated
 * caller as the actor, and the reason.
 */
@ApiTags('sagas')
@Controller('sagas/:id')
@RequireRole('operate')
@UseGuards(JsonBodyGuard)
@UsePipes(SchemaValidationPipe)
export class SagaActionsController {
  constructor(@Inject(SAGA_OPERATIONS) private readonly operations: SagaOperations) {}

  /** Stops a running saga and compensates what it did. */
  @Post('cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a running saga: it compensates what it did' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Cancelling: compensation has begun',
    standardSchema: operatorActionAnswerSchema,
  })
  @ApiProblems(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async cancel(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Body({ schema: operatorActionBodySchema }) body: OperatorActionBody,
    @RequestActor() actor: string,
  ): Promise<OperatorActionAnswer> {
    const answer = await this.operations.cancel(sagaId, actor, body?.reason);
    return { sagaId: answer.sagaId, status: answer.status };
  }

  /** Tries a stuck saga again: every halted step, with a fresh retry budget. */
  @Post('resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resume a stuck saga' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Resumed',
    standardSchema: operatorActionAnswerSchema,
  })
  @ApiProblems(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async resume(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Body({ schema: operatorActionBodySchema }) body: OperatorActionBody,
    @RequestActor() actor: string,
  ): Promise<OperatorActionAnswer> {
    const answer = await this.operations.resume(sagaId, actor, body?.reason);
    return { sagaId: answer.sagaId, status: answer.status };
  }

  /**
   * Sends the next attempt of one step now: a step awaiting its reply (its command lost, say)
   * or backing off, or a compensation in progress; the attempt before it is fenced off. On a
   * stuck saga, naming a halted step resumes the saga.
   */
  @Post('steps/:stepId/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Retry one step of a saga now' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'The next attempt is sent',
    standardSchema: operatorActionAnswerSchema,
  })
  @ApiProblems(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async retryStep(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Param('stepId', { schema: stepIdSchema }) stepId: string,
    @Body({ schema: operatorActionBodySchema }) body: OperatorActionBody,
    @RequestActor() actor: string,
  ): Promise<OperatorActionAnswer> {
    const answer = await this.operations.retryStep(sagaId, stepId, actor, body?.reason);
    return { sagaId: answer.sagaId, status: answer.status };
  }
}
