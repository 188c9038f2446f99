import { Controller, Get, HttpStatus, Inject, Param, Query, UsePipes } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SagaNotFoundError } from '../application/saga-errors.js';
import { PostgresSagaAudit, type AuditPage } from '../persistence/saga-audit.postgres.js';
import { ApiProblems } from './api-problems.decorator.js';
import { sagaIdSchema } from './request-schemas.js';
import { RequireRole } from './route-access.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';
import { TakesQuery } from './known-query.guard.js';

/** The largest value of a Postgres bigint. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** The most audit lines one page answers. */
export const MAX_AUDIT_PAGE = 500;

const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  after: z
    .string()
    .regex(/^\d{1,19}$/, 'must be a nextCursor from an earlier page')
    // An audit line's id is a bigint: past its range, Postgres would refuse the query.
    .refine((after) => BigInt(after) <= MAX_BIGINT, 'must be a nextCursor from an earlier page')
    .optional(),
});

/**
 * `GET /sagas/:id/audit`: every state transition of a saga, oldest first, with its time, its
 * cause (event type and detail) and its actor, paged with `after=<nextCursor>`.
 */
@ApiTags('sagas')
@RequireRole('read')
@Controller('sagas/:id/audit')
@UsePipes(SchemaValidationPipe)
export class SagaAuditController {
  constructor(@Inject(PostgresSagaAudit) private readonly audit: PostgresSagaAudit) {}

  @Get()
  @TakesQuery()
  @ApiOperation({ summary: "A page of a saga's audit trail, oldest first" })
  @ApiResponse({ status: HttpStatus.OK, description: 'A page of the audit trail' })
  @ApiProblems(400, 404)
  async page(
    @Param('id', { schema: sagaIdSchema }) sagaId: string,
    @Query({ schema: auditQuerySchema }) query: z.infer<typeof auditQuerySchema>,
  ): Promise<AuditPage> {
    const page = await this.audit.page(sagaId, query.limit, query.after);
    if (page === undefined) throw new SagaNotFoundError(sagaId);
    return page;
  }
}
