import { Controller, Get, HttpStatus, Inject, Query, UsePipes } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../http/api-problems.decorator.js';
import { SchemaValidationPipe } from '../http/schema-validation.pipe.js';
import { listStuckSagas, type StuckSagaPage } from './stuck-sagas.postgres.js';
import { listStuckQuerySchema, stuckPageSchema } from './stuck-sagas.schemas.js';
import { RequireRole } from '../http/route-access.js';
import { STUCK_SAGAS_SOURCE, type StuckSagasSource } from './stuck-sagas.module-definition.js';
import { TakesQuery } from '../http/known-query.guard.js';

/**
 * `GET /sagas/stuck`: sagas in status `stuck` (with the engine's reason) and sagas not terminal
 * whose row has not changed for STUCK_AFTER_MS (`idle since <time>`) or with a step retrying
 * without success for that long (`retrying <step> since <time> (attempt <n>)`), longest without
 * progress first. `POST /sagas/:id/resume` and `/cancel` act on them.
 */
@ApiTags('sagas')
@RequireRole('read')
@Controller('sagas/stuck')
@UsePipes(SchemaValidationPipe)
export class StuckSagasController {
  constructor(@Inject(STUCK_SAGAS_SOURCE) private readonly source: StuckSagasSource) {}

  @Get()
  @TakesQuery()
  @ApiOperation({ summary: 'List stuck sagas and sagas without progress for STUCK_AFTER_MS' })
  @ApiResponse({ status: HttpStatus.OK, description: 'A page', standardSchema: stuckPageSchema })
  @ApiProblems(400)
  async list(
    @Query({ schema: listStuckQuerySchema }) query: { limit: number; cursor?: string },
  ): Promise<StuckSagaPage & { stuckAfterMs: number }> {
    const { database, stuckAfterMs } = this.source;
    const page = await listStuckSagas(database, { stuckAfterMs, ...query });
    return { ...page, stuckAfterMs };
  }
}
