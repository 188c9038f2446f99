import { refuseUnstorableText } from '#contracts';
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE } from '../http/request-schemas.js';
import { SAGA_STATUSES } from '../application/saga-statuses.js';
import type { StuckSagaPage } from './stuck-sagas.postgres.js';

/** `GET /sagas/stuck` paging. */
export const listStuckQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).superRefine(refuseUnstorableText).optional(),
});

const isoTime = z.iso.datetime({ offset: true });
/** 200 of `GET /sagas/stuck`. */
export const stuckPageSchema: z.ZodType<StuckSagaPage & { stuckAfterMs: number }> = z
  .object({
    items: z.array(
      z.object({
        sagaId: z.guid(),
        sagaType: z.string(),
        sagaVersion: z.number().int(),
        status: z.enum(SAGA_STATUSES),
        kind: z.enum(['stuck', 'idle']),
        reason: z.string(),
        createdAt: isoTime,
        updatedAt: isoTime,
        noProgressSince: isoTime,
      }),
    ),
    nextCursor: z.string().nullable(),
    stuckAfterMs: z.number().int(),
  })
  .meta({ id: 'StuckSagaPage' });
