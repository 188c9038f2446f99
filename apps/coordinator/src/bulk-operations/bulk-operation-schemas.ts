import { STEP_ID_PATTERN } from '#saga-core';
import { z } from 'zod';
import { SAGA_STATUSES } from '../application/saga-statuses.js';
import { MAX_PAGE_SIZE, operatorReason, sagaQueryText } from '../http/request-schemas.js';
import { sagaSummarySchema } from '../http/response-schemas.js';
import {
  MAX_BULK_TARGETS,
  type BulkOperationView,
  type BulkPreview,
  type BulkRequest,
} from './bulk-operation-rows.js';

const BULK_ACTIONS = ['cancel', 'resume', 'retry'] as const;

/** The body of `POST /bulk-operations`: a request, and how to run it. */
export interface BulkRequestBody extends BulkRequest {
  /** Only count what it would touch, changing nothing. */
  readonly dryRun?: boolean;
  /** A real run's bound: refused (409, nothing done) when it would act on more sagas. */
  readonly maxMatched?: number;
}

/**
 * `POST /bulk-operations`: the action, the query, why, and whether to only count (dry run) or,
 * for a real run, the most sagas the caller agreed to act on (its dry run's `matched`).
 */
export const bulkRequestSchema = z
  .strictObject({
    action: z.enum(BULK_ACTIONS),
    query: sagaQueryText,
    reason: operatorReason,
    stepId: z.string().regex(STEP_ID_PATTERN, { error: 'must be a step id' }).optional(),
    dryRun: z.boolean().optional(),
    maxMatched: z
      .int()
      .min(0)
      .max(MAX_BULK_TARGETS)
      .optional()
      .meta({
        description:
          "A real run only: the most sagas it may act on, e.g. its dry run's `matched`. When " +
          'the query matches more by then, it is refused with 409 and nothing is done.',
      }),
  })
  .refine((body) => (body.action === 'retry') === (body.stepId !== undefined), {
    path: ['stepId'],
    message: 'is required with action retry, and only with it',
  })
  .refine((body) => body.dryRun !== true || body.maxMatched === undefined, {
    path: ['maxMatched'],
    message: 'goes with a real run, not a dry run',
  })
  .meta({ id: 'BulkOperationRequest' }) satisfies z.ZodType<BulkRequestBody>;

/** The `:id` of a bulk operation. */
export const bulkOperationIdSchema = z.guid({ error: 'must be a UUID' });

/** `GET /bulk-operations` paging: `cursor` is the previous page's `nextCursor`. */
export const listBulkQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: bulkOperationIdSchema.optional(),
});

const isoTime = z.iso.datetime({ offset: true });
const statusCounts = z.partialRecord(z.enum(SAGA_STATUSES), z.number().int());

/** 200 of a dry run. */
export const bulkPreviewSchema: z.ZodType<BulkPreview> = z
  .object({
    dryRun: z.literal(true),
    action: z.enum(BULK_ACTIONS),
    query: z.string(),
    matched: z.number().int().meta({ description: 'Sagas the action would act on' }),
    byStatus: statusCounts.meta({ description: 'Every saga the query selects, by status' }),
    sample: z.array(sagaSummarySchema),
  })
  .meta({ id: 'BulkOperationPreview' });

/** A bulk operation and its progress. */
export const bulkOperationSchema: z.ZodType<BulkOperationView> = z
  .object({
    operationId: z.guid(),
    action: z.enum(BULK_ACTIONS),
    query: z.string(),
    reason: z.string(),
    stepId: z.string().nullable(),
    actor: z.string(),
    status: z.enum(['running', 'done', 'stopped']),
    matched: z.number().int(),
    applied: z.number().int(),
    refused: z.number().int(),
    remaining: z.number().int(),
    createdAt: isoTime,
    finishedAt: isoTime.nullable(),
    refusals: z.array(z.object({ sagaId: z.guid(), reason: z.string() })),
  })
  .meta({ id: 'BulkOperation' });

/** 200 of `GET /bulk-operations`. */
export const bulkPageSchema = z
  .object({ items: z.array(bulkOperationSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'BulkOperationPage' });
