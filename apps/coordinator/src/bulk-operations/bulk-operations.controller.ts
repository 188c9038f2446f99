import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Database, type SqlRunner } from '#postgres';
import type { SagaRegistry } from '#saga-core';
import { SAGA_REGISTRY } from '../common/core-tokens.js';
import { ApiProblems } from '../http/api-problems.decorator.js';
import { JsonBodyGuard } from '../http/json-body.guard.js';
import { RequestActor } from '../http/request-actor.js';
import { problemBodySchema } from '../http/response-schemas.js';
import { RequireRole } from '../http/route-access.js';
import { SchemaValidationPipe } from '../http/schema-validation.pipe.js';
import { withinQueryBound } from '../persistence/bounded-query.js';
import { queryCatalog } from '../saga-query/saga-query.js';
import {
  insertBulkOperation,
  listBulkOperations,
  previewBulk,
  readBulkOperation,
  selectBulkTargets,
  stopBulkOperation,
  type BulkOperationView,
  type BulkPreview,
} from './bulk-operation-rows.js';
import {
  bulkOperationIdSchema,
  bulkOperationSchema,
  bulkPageSchema,
  bulkPreviewSchema,
  bulkRequestSchema,
  listBulkQuerySchema,
  type BulkRequestBody,
} from './bulk-operation-schemas.js';
import { BulkOperationWorker } from './bulk-operation-worker.js';
import { TakesQuery } from '../http/known-query.guard.js';

/**
 * Bulk operations on every saga a query matches: a dry run counts them; a real run records the
 * matched sagas at once (refused, when they are more than its `maxMatched`) and acts on them in
 * the background (BulkOperationWorker), each saga audited with the operator and the reason;
 * `GET` follows its progress, `stop` ends it.
 */
@ApiTags('bulk-operations')
@Controller('bulk-operations')
@UseGuards(JsonBodyGuard)
@UsePipes(SchemaValidationPipe)
export class BulkOperationsController {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(SAGA_REGISTRY) private readonly registry: SagaRegistry,
    @Inject(BulkOperationWorker) private readonly worker: BulkOperationWorker,
  ) {}

  @Post()
  @RequireRole('operate')
  @ApiOperation({
    summary:
      'Cancel, resume or retry a step of every saga a query matches (dryRun: count only; ' +
      'maxMatched: on no more sagas than that)',
  })
  @ApiResponse({ status: HttpStatus.OK, description: 'Dry run', standardSchema: bulkPreviewSchema })
  @ApiResponse({
    status: HttpStatus.ACCEPTED,
    description: 'Started; Location names the operation',
    standardSchema: bulkOperationSchema,
  })
  @ApiResponse({
    status: HttpStatus.CONFLICT,
    description: 'The query matches more sagas than `maxMatched`: nothing was done',
    standardSchema: problemBodySchema,
  })
  @ApiProblems(400, 401, 403, 413, 415, 429)
  async create(
    @Body({ schema: bulkRequestSchema }) body: BulkRequestBody,
    @RequestActor() actor: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BulkPreview | BulkOperationView> {
    const { dryRun, maxMatched, ...request } = body;
    const catalog = queryCatalog(this.registry);
    if (dryRun === true) {
      response.status(HttpStatus.OK);
      return withinQueryBound(this.database, 'query', (sql) => previewBulk(sql, request, catalog));
    }
    // Its query runs here, read-only and bounded as a dry run's is; storing the targets it
    // found is a write of known size, under the pool's own statement bound.
    const targets = await withinQueryBound(this.database, 'query', (sql) =>
      selectBulkTargets(sql, request, catalog),
    );
    // The sagas it found are the ones it acts on: more than the caller agreed to (its dry run
    // counted fewer, and others came to match since), and it does nothing.
    if (maxMatched !== undefined && targets.length > maxMatched) {
      throw new ConflictException(
        `the query matches ${targets.length} sagas to ${request.action} now, more than the ` +
          `${maxMatched} expected (maxMatched): nothing was done; count them again with a dry run`,
      );
    }
    const id = await this.database.transaction((sql) =>
      insertBulkOperation(sql, request, actor, targets),
    );
    this.worker.wake();
    response.status(HttpStatus.ACCEPTED);
    response.setHeader('Location', `/bulk-operations/${id}`);
    return this.found(await readBulkOperation(this.reader(), id), id);
  }

  @Get()
  @TakesQuery()
  @RequireRole('read')
  @ApiOperation({ summary: 'List bulk operations, newest first' })
  @ApiResponse({ status: HttpStatus.OK, description: 'A page', standardSchema: bulkPageSchema })
  @ApiProblems(400, 401, 403, 429)
  list(@Query({ schema: listBulkQuerySchema }) query: { limit: number; cursor?: string }) {
    return listBulkOperations(this.reader(), query.limit, query.cursor);
  }

  @Get(':id')
  @RequireRole('read')
  @ApiOperation({ summary: 'A bulk operation and its progress' })
  @ApiResponse({ status: HttpStatus.OK, description: 'It', standardSchema: bulkOperationSchema })
  @ApiProblems(400, 401, 403, 404, 429)
  async get(
    @Param('id', { schema: bulkOperationIdSchema }) id: string,
  ): Promise<BulkOperationView> {
    return this.found(await readBulkOperation(this.reader(), id), id);
  }

  @Post(':id/stop')
  @HttpCode(HttpStatus.OK)
  @RequireRole('operate')
  @ApiOperation({ summary: 'Stop a running bulk operation: the sagas not yet acted on are left' })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Stopped',
    standardSchema: bulkOperationSchema,
  })
  @ApiProblems(400, 401, 403, 404, 409, 429)
  async stop(
    @Param('id', { schema: bulkOperationIdSchema }) id: string,
  ): Promise<BulkOperationView> {
    const stopped = await this.database.transaction((sql) => stopBulkOperation(sql, id));
    const view = this.found(await readBulkOperation(this.reader(), id), id);
    if (!stopped)
      throw new ConflictException(`bulk operation ${id} is ${view.status}, not running`);
    return view;
  }

  private found(view: BulkOperationView | undefined, id: string): BulkOperationView {
    if (view === undefined) throw new NotFoundException(`no bulk operation with id ${id}`);
    return view;
  }

  private reader(): SqlRunner {
    return this.database;
  }
}
