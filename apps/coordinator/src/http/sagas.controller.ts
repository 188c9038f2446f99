import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { HEADERS } from '#contracts';
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
import { mayStart, type Principal } from '../security/principal.js';
import { ApiProblems } from './api-problems.decorator.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { listSagasQuerySchema, sagaIdSchema, startSagaBodySchema } from './request-schemas.js';
import { sagaPageSchema, sagaViewSchema, startSagaAnswerSchema } from './response-schemas.js';
import { RequestPrincipal } from './request-actor.js';
import { RequireRole } from './route-access.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';
import { TakesQuery } from './known-query.guard.js';

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
  @RequireRole('start')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Start a saga (idempotent by sagaType and idempotencyKey)' })
  @ApiResponse({
    status: HttpStatus.ACCEPTED,
    description: 'Started, or found (created: false); Location names the saga',
    standardSchema: startSagaAnswerSchema,
    headers: { Location: { description: '/sagas/<sagaId>', schema: { type: 'string' } } },
  })
  @ApiProblems(400, 401, 403, 409, 413, 415, 429)
  async start(
    @Body({ schema: startSagaBodySchema }) request: StartSagaRequest,
    @Req() httpRequest: Request,
    @Res({ passthrough: true }) response: Response,
    @RequestPrincipal() principal: Principal,
  ): Promise<StartSagaAnswer> {
    if (!mayStart(principal, request.sagaType)) {
      throw new ForbiddenException(`not allowed to start sagas of type '${request.sagaType}'`);
    }
    const { sagaId, created, status } = await this.operations.start(
      request,
      traceParentOf(httpRequest),
    );
    response.setHeader('Location', `/sagas/${encodeURIComponent(sagaId)}`);
    return { sagaId, created, status };
  }

  /** One saga with its steps and history; sensitive fields in clear for `read-sensitive` only. */
  @Get(':id')
  @RequireRole('read')
  @ApiOperation({ summary: 'Get a saga with its steps and history' })
  @ApiResponse({ status: HttpStatus.OK, description: 'The saga', standardSchema: sagaViewSchema })
  @ApiProblems(400, 401, 403, 404, 429)
  async get(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @RequestPrincipal() principal: Principal,
  ): Promise<SagaView> {
    const revealSensitive = principal.roles.has('read-sensitive');
    const view = await this.queries.get(sagaId, { revealSensitive });
    if (view === undefined) throw new SagaNotFoundError(sagaId);
    return view;
  }

  /** A page of sagas, newest first, filtered by status, type and creation time. */
  @Get()
  @TakesQuery()
  @RequireRole('read')
  @ApiOperation({ summary: 'List sagas, newest first; follow nextCursor for the next page' })
  @ApiResponse({ status: HttpStatus.OK, description: 'A page', standardSchema: sagaPageSchema })
  @ApiProblems(400, 401, 403, 429)
  list(@Query({ schema: listSagasQuerySchema }) query: SagaListQuery): Promise<SagaPage> {
    return this.queries.list(query);
  }
}

/** The caller's W3C trace context, for the saga's trace to continue it (as a `saga.start` does). */
function traceParentOf(request: Request): Record<string, string> | undefined {
  const traceparent = request.headers[HEADERS.traceparent];
  if (typeof traceparent !== 'string') return undefined;
  const tracestate = request.headers[HEADERS.tracestate];
  return {
    [HEADERS.traceparent]: traceparent,
    ...(typeof tracestate === 'string' ? { [HEADERS.tracestate]: tracestate } : {}),
  };
}
