import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SagaNotFoundError } from '../application/saga-errors.js';
import {
  SAGA_OPERATIONS,
  type SagaOperations,
  type StartSagaAnswer,
  type StartSagaRequest,
} from '../application/saga-operations.js';
import {
  SAGA_QUERIES,
  type SagaListQuery,
  type SagaPage,
  type SagaQueries,
  type SagaView,
} from '../application/saga-queries.js';
import { ApiProblems } from './api-problems.decorator.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { listSagasQuerySchema, sagaIdSchema, startSagaBodySchema } from './request-schemas.js';
import { sagaPageSchema, sagaViewSchema, startSagaAnswerSchema } from './response-schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

/** Starts sagas and reads them: `POST /sagas`, `GET /sagas/:id`, `GET /sagas`. */
@ApiTags('sagas')
@Controller('sagas')
@UseGuards(JsonBodyGuard)
@UsePipes(SchemaValidationPipe)
export class SagasController {
  constructor(
    @Inject(SAGA_OPERATIONS) private readonly operations: SagaOperations,
    @Inject(SAGA_QUERIES) private readonly queries: SagaQueries,
  ) {}

  /** Starts a saga, or finds the one its idempotency key already started; 202 either way. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Start a saga (idempotent by sagaType and idempotencyKey)' })
  @ApiResponse({
    status: HttpStatus.ACCEPTED,
    description: 'Started, or found (created: false); Location names the saga',
    standardSchema: startSagaAnswerSchema,
    headers: { Location: { description: '/sagas/<sagaId>', schema: { type: 'string' } } },
  })
  @ApiProblems(400, 409, 413, 415)
  async start(
    @Body({ schema: startSagaBodySchema }) request: StartSagaRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StartSagaAnswer> {
    const { sagaId, created, status } = await this.operations.start(request);
    response.setHeader('Location', `/sagas/${encodeURIComponent(sagaId)}`);
    return { sagaId, created, status };
  }

  /** One saga with its steps and history. */
  @Get(':id')
  @ApiOperation({ summary: 'Get a saga with its steps and history' })
  @ApiResponse({ status: HttpStatus.OK, description: 'The saga', standardSchema: sagaViewSchema })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: sagaIdSchema }) sagaId: string): Promise<SagaView> {
    const view = await this.queries.get(sagaId);
    if (view === undefined) throw new SagaNotFoundError(sagaId);
    return view;
  }

  /** A page of sagas, newest first, filtered by status, type and creation time. */
  @Get()
  @ApiOperation({ summary: 'List sagas, newest first; follow nextCursor for the next page' })
  @ApiResponse({ status: HttpStatus.OK, description: 'A page', standardSchema: sagaPageSchema })
  @ApiProblems(400)
  list(@Query({ schema: listSagasQuerySchema }) query: SagaListQuery): Promise<SagaPage> {
    return this.queries.list(query);
  }
}
