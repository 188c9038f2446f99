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
import { cancelSagaBodySchema, resumeSagaBodySchema, sagaIdSchema } from './request-schemas.js';
import { operatorActionAnswerSchema } from './response-schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

/**
 * Operator actions on one saga: `POST /sagas/:id/cancel` and `POST /sagas/:id/resume`, for the
 * `operate` role; the audit log records the authenticated caller as the actor.
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
  @ApiProblems(400, 401, 403, 404, 409, 413, 415, 429)
  async cancel(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Body({ schema: cancelSagaBodySchema }) body: { reason?: string } | undefined,
    @RequestActor() actor: string,
  ): Promise<OperatorActionAnswer> {
    const answer = await this.operations.cancel(sagaId, actor, body?.reason);
    return { sagaId: answer.sagaId, status: answer.status };
  }

  /** Tries a stuck saga again. */
  @Post('resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resume a stuck saga' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Resumed',
    standardSchema: operatorActionAnswerSchema,
  })
  @ApiProblems(400, 401, 403, 404, 409, 413, 415, 429)
  async resume(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Body({ schema: resumeSagaBodySchema }) _body: object | undefined,
    @RequestActor() actor: string,
  ): Promise<OperatorActionAnswer> {
    const answer = await this.operations.resume(sagaId, actor);
    return { sagaId: answer.sagaId, status: answer.status };
  }
}
