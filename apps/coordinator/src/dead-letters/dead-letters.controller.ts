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
  ServiceUnavailableException,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../http/api-problems.decorator.js';
import { problemBodySchema } from '../http/response-schemas.js';
import { JsonBodyGuard } from '../http/json-body.guard.js';
import { RequestActor, RequestPrincipal } from '../http/request-actor.js';
import type { Principal } from '../security/principal.js';
import { RequireRole } from '../http/route-access.js';
import { SchemaValidationPipe } from '../http/schema-validation.pipe.js';
import {
  DeadLetterNotFoundError,
  DeadLetterNotReplayableError,
  ReplayPublishError,
} from './dead-letter-errors.js';
import { DeadLetterQueries } from './dead-letter-queries.js';
import { DeadLetterReplayer } from './dead-letter-replayer.js';
import {
  deadLetterIdSchema,
  deadLetterPageSchema,
  deadLetterViewSchema,
  listDeadLettersQuerySchema,
  replayAnswerSchema,
  replayOneBodySchema,
  replayPendingBodySchema,
} from './dead-letter-schemas.js';
import type {
  DeadLetterListQuery,
  DeadLetterPage,
  DeadLetterView,
  ReplayAnswer,
} from './dead-letter-views.js';
import { TakesQuery } from '../http/known-query.guard.js';

// The 404 and 503 answers of these routes (the shared descriptions speak of sagas).
const notFound = ApiResponse({
  status: HttpStatus.NOT_FOUND,
  description: 'No dead letter has that id',
  standardSchema: problemBodySchema,
});
const notAcknowledged = ApiResponse({
  status: HttpStatus.SERVICE_UNAVAILABLE,
  description: 'The broker did not acknowledge the replay; nothing is marked replayed',
  standardSchema: problemBodySchema,
});

/** Lists the recorded dead letters and replays them to their original topics (operators only). */
@ApiTags('dead-letters')
@RequireRole('operate')
@Controller('dead-letters')
@UseGuards(JsonBodyGuard)
@UsePipes(SchemaValidationPipe)
export class DeadLettersController {
  constructor(
    @Inject(DeadLetterQueries) private readonly queries: DeadLetterQueries,
    @Inject(DeadLetterReplayer) private readonly replayer: DeadLetterReplayer,
  ) {}

  /** A page of dead letters, newest first. */
  @Get()
  @TakesQuery()
  @ApiOperation({ summary: 'List dead letters, newest first; follow nextCursor for the next page' })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'A page',
    standardSchema: deadLetterPageSchema,
  })
  @ApiProblems(400)
  async list(
    @Query({ schema: listDeadLettersQuerySchema }) query: DeadLetterListQuery,
    @RequestPrincipal() principal: Principal,
  ): Promise<DeadLetterPage> {
    return this.queries.list(query, mayReveal(principal));
  }

  /** Republishes every dead letter not replayed yet (optionally of one original topic). */
  @Post('replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Replay the dead letters not replayed yet, oldest first' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Replayed',
    standardSchema: replayAnswerSchema,
  })
  @ApiProblems(400, 413, 415)
  @notAcknowledged
  replayPending(
    @Body({ schema: replayPendingBodySchema })
    body: { originalTopic?: string; after?: string } | undefined,
    @RequestActor() actor: string,
  ): Promise<ReplayAnswer> {
    return answer(() => this.replayer.replayPending(actor, body?.originalTopic, body?.after));
  }

  /** One dead letter. */
  @Get(':id')
  @ApiOperation({ summary: 'Get a dead letter' })
  @ApiResponse({ status: HttpStatus.OK, description: 'It', standardSchema: deadLetterViewSchema })
  @ApiProblems(400)
  @notFound
  async get(
    @Param('id', { schema: deadLetterIdSchema }) id: string,
    @RequestPrincipal() principal: Principal,
  ): Promise<DeadLetterView> {
    const view = await this.queries.get(id, mayReveal(principal));
    if (view === undefined) throw new NotFoundException(new DeadLetterNotFoundError(id).message);
    return view;
  }

  /** Republishes one dead letter (again, if it was replayed before). */
  @Post(':id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Replay one dead letter to its original topic' })
  @ApiBody({ required: false })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Replayed',
    standardSchema: deadLetterViewSchema,
  })
  @ApiProblems(400, 409, 413, 415)
  @notFound
  @notAcknowledged
  async replayOne(
    @Param('id', { schema: deadLetterIdSchema }) id: string,
    @Body({ schema: replayOneBodySchema }) _body: object | undefined,
    @RequestPrincipal() principal: Principal,
  ): Promise<DeadLetterView> {
    return answer(() => this.replayer.replayOne(id, principal.id, mayReveal(principal)));
  }
}

/** Values of dead letters that may hold sensitive fields are shown to `read-sensitive` only. */
function mayReveal(principal: Principal): boolean {
  return principal.roles.has('read-sensitive');
}

/** Runs a replay and turns its known failures into HTTP answers (404, 409, 503). */
async function answer<T>(replay: () => Promise<T>): Promise<T> {
  try {
    return await replay();
  } catch (error) {
    if (error instanceof DeadLetterNotFoundError) throw new NotFoundException(error.message);
    if (error instanceof DeadLetterNotReplayableError) throw new ConflictException(error.message);
    if (error instanceof ReplayPublishError) {
      throw new ServiceUnavailableException(error.message);
    }
    throw error;
  }
}
