import { STEP_ID_PATTERN } from '#saga-core';
import {
  LIMITS,
  PARTICIPANT_NAME_PATTERN,
  refuseUnstorableText,
  startSagaMessageSchema,
} from '#contracts';
import { z } from 'zod';
import { SAGA_STATUSES } from '../application/saga-statuses.js';
import { MAX_QUERY_LENGTH } from '../saga-query/saga-query.js';

/** The longest page the list answers; more is refused, not cut. */
export const MAX_PAGE_SIZE = 200;
/** The page size when the request names none. */
export const DEFAULT_PAGE_SIZE = 50;
/** The longest cursor accepted, in characters (a real one is about 100). */
export const MAX_CURSOR_LENGTH = 500;

/** An ISO 8601 time with a zone, that Postgres can hold (years 1 to 9999, offsets up to 15:59). */
const isoTime = z.iso
  .datetime({ offset: true, abort: true, error: 'must be an ISO 8601 time with a zone' })
  .refine(isStorableTime, 'must fall in the years 1 to 9999, with an offset of at most 15:59');

function isStorableTime(value: string): boolean {
  const offsetHours = /[+-](\d{2}):\d{2}$/.exec(value)?.[1];
  const year = new Date(value).getUTCFullYear();
  return (offsetHours === undefined || Number(offsetHours) <= 15) && year >= 1 && year <= 9999;
}

/** `POST /sagas`: the same contract as a message on `saga.start`. */
export const startSagaBodySchema = startSagaMessageSchema.meta({
  title: 'StartSagaRequest',
  description:
    'Starts a saga; the same sagaType and idempotencyKey again answers with the first saga.',
});

/** The `:id` of a saga route: a UUID. */
export const sagaIdSchema = z.guid({ error: 'must be a UUID' });

/** A saga query (CEL over the saga's fields; docs/QUERIES.md), parsed where it is used. */
export const sagaQueryText = z
  .string()
  .min(1)
  .max(MAX_QUERY_LENGTH)
  .superRefine(refuseUnstorableText)
  .meta({
    description:
      'A saga query in CEL, e.g. `sagaType == "order" && status in ["stuck", "compensating"] && updatedAt < now - duration("15m")` (docs/QUERIES.md)',
  });

/** `GET /sagas` filters and paging; `createdFrom` is inclusive, `createdTo` exclusive. */
export const listSagasQuerySchema = z
  .strictObject({
    status: z.enum(SAGA_STATUSES).optional(),
    sagaType: z.string().min(1).max(LIMITS.id).superRefine(refuseUnstorableText).optional(),
    createdFrom: isoTime.optional(),
    createdTo: isoTime.optional(),
    q: sagaQueryText.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).superRefine(refuseUnstorableText).optional(),
  })
  .refine(
    (query) =>
      query.createdFrom === undefined ||
      query.createdTo === undefined ||
      Date.parse(query.createdFrom) <= Date.parse(query.createdTo),
    { path: ['createdTo'], message: 'must not be before createdFrom' },
  );

/** Why an operator acts on a saga, recorded in its audit log. */
export const operatorReason = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.message)
  .superRefine(refuseUnstorableText);

/** `POST /sagas/:id/cancel`, `/resume` and `/steps/:stepId/retry`: an optional reason, audited. */
export const operatorActionBodySchema = z
  .strictObject({ reason: operatorReason.optional() })
  .optional();

/** A step id in a path (`POST /sagas/:id/steps/:stepId/retry`). */
export const stepIdSchema = z.string().regex(STEP_ID_PATTERN, { error: 'must be a step id' });

/** A participant name in a path (`GET /participants/:name`). */
export const participantNameSchema = z
  .string()
  .regex(PARTICIPANT_NAME_PATTERN, { error: 'must be a participant name' });

/** `PUT /saga-definitions/:name/routing`: the active version, an optional ramp, and why. */
export const routeBodySchema = z.strictObject({
  active: z.int().min(1).max(LIMITS.counter),
  ramp: z
    .strictObject({
      version: z.int().min(1).max(LIMITS.counter),
      percent: z.number().min(0).max(100).multipleOf(0.01),
    })
    .optional(),
  reason: z.string().trim().min(1).max(LIMITS.message).superRefine(refuseUnstorableText),
  /** The revision of the route this change replaces (as read); 0 for a type without one. */
  revision: z.int().min(0).optional(),
});

/** `POST /saga-definitions/:name/versions/:version/retire`: why, for the definition log. */
export const retireBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(LIMITS.message).superRefine(refuseUnstorableText),
});
