import { refuseUnstorableText } from '#contracts';
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE } from '../http/request-schemas.js';
import type { DeadLetterPage, DeadLetterView, ReplayAnswer } from './dead-letter-views.js';

/** The longest page of dead letters (their values can be large). */
export const MAX_DEAD_LETTER_PAGE_SIZE = 100;

/** A dead letter's id: a positive decimal integer that fits a Postgres bigint. */
export const deadLetterIdSchema = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, { error: 'must be a positive integer id' });

const topicName = z.string().min(1).max(300).superRefine(refuseUnstorableText);

/** `GET /dead-letters` filters and paging; `cursor` is the previous page's `nextCursor`. */
export const listDeadLettersQuerySchema = z.strictObject({
  topic: topicName.optional(),
  originalTopic: topicName.optional(),
  replayed: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DEAD_LETTER_PAGE_SIZE)
    .default(Math.min(DEFAULT_PAGE_SIZE, MAX_DEAD_LETTER_PAGE_SIZE)),
  cursor: deadLetterIdSchema.optional(),
});

/**
 * `POST /dead-letters/replay`: optionally only the dead letters of one original topic, and only
 * those after one id (the previous answer's `resumeAfter`).
 */
export const replayPendingBodySchema = z
  .strictObject({ originalTopic: topicName.optional(), after: deadLetterIdSchema.optional() })
  .optional();

/** `POST /dead-letters/:id/replay` takes no fields. */
export const replayOneBodySchema = z.strictObject({}).optional();

const isoTime = z.iso.datetime({ offset: true });

/** 200 of `GET /dead-letters/:id` and `POST /dead-letters/:id/replay`. */
export const deadLetterViewSchema: z.ZodType<DeadLetterView> = z
  .object({
    id: z.string(),
    topic: z.string(),
    originalTopic: z.string(),
    originalPartition: z.number().int().nullable(),
    originalOffset: z.string().nullable(),
    key: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    value: z.json(),
    valueTruncated: z.boolean(),
    valueRedacted: z.boolean(),
    bytesReplaced: z.boolean().meta({
      description:
        'its key, value or a header held bytes that are not valid UTF-8, shown as U+FFFD: not replayable',
    }),
    reason: z.string(),
    failedAt: isoTime.nullable(),
    recordedAt: isoTime,
    replayedAt: isoTime.nullable(),
    replayedBy: z.string().nullable(),
    replayCount: z.number().int(),
  })
  .meta({ id: 'DeadLetter' });

/** 200 of `GET /dead-letters`. */
export const deadLetterPageSchema: z.ZodType<DeadLetterPage> = z
  .object({ items: z.array(deadLetterViewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DeadLetterPage' });

/** 200 of `POST /dead-letters/replay`. */
export const replayAnswerSchema: z.ZodType<ReplayAnswer> = z
  .object({
    replayed: z.array(z.string()),
    more: z.boolean(),
    unopenable: z.array(z.string()),
    resumeAfter: z.string().nullable(),
  })
  .meta({ id: 'ReplayAnswer' });
