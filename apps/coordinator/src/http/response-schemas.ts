import type { JsonValue } from '#contracts';
import { z } from 'zod';
import type { ParticipantView } from '../resilience/participant-health.js';
import type { OperatorActionAnswer, StartSagaAnswer } from '../application/saga-operations.js';
import type {
  HistoryEntry,
  SagaPage,
  SagaSummary,
  SagaView,
  StepView,
} from '../application/saga-queries.js';
import type { ProblemBody } from './problem.js';
import { SAGA_STATUSES, STEP_STATUSES } from '../application/saga-statuses.js';

// Schemas of the answers, for the OpenAPI document; typed against the application's views
// so that the documentation cannot drift from what the handlers return.

const sagaStatus = z.enum(SAGA_STATUSES);
const isoTime = z.iso.datetime({ offset: true });
const json: z.ZodType<JsonValue> = z.json().meta({ id: 'JsonValue' });
const sagaId = z.guid();

/** 202 of `POST /sagas`. */
export const startSagaAnswerSchema: z.ZodType<StartSagaAnswer> = z
  .object({ sagaId, created: z.boolean(), status: sagaStatus })
  .meta({ id: 'StartSagaAnswer' });

/** 200 of `POST /sagas/:id/cancel` and `/resume`. */
export const operatorActionAnswerSchema: z.ZodType<OperatorActionAnswer> = z
  .object({ sagaId, status: sagaStatus })
  .meta({ id: 'OperatorActionAnswer' });

const sagaSummaryShape = {
  sagaId,
  sagaType: z.string(),
  sagaVersion: z.number().int(),
  status: sagaStatus,
  idempotencyKey: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
};

/** A saga in a list. */
export const sagaSummarySchema: z.ZodType<SagaSummary> = z.object(sagaSummaryShape);

const stepViewSchema: z.ZodType<StepView> = z.object({
  stepId: z.string(),
  status: z.enum(STEP_STATUSES),
  attempt: z.number().int(),
  nextWakeupAt: isoTime.nullable(),
  lastOutcome: json.nullable(),
});

const historyEntrySchema: z.ZodType<HistoryEntry> = z.object({
  at: isoTime,
  eventType: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  stepId: z.string().nullable(),
  attempt: z.number().int().nullable(),
  actor: z.string().nullable(),
  applied: z.boolean(),
  detail: z.string(),
});

/** 200 of `GET /sagas/:id`. */
export const sagaViewSchema: z.ZodType<SagaView> = z
  .object({
    ...sagaSummaryShape,
    traceId: z.string().nullable().meta({ description: 'W3C trace id of the saga (32 hex)' }),
    input: json,
    context: json,
    cause: json.nullable(),
    reason: z.string().nullable(),
    steps: z.array(stepViewSchema),
    history: z.array(historyEntrySchema),
    historyTruncated: z.boolean().meta({
      description: 'true when history holds only the latest lines: /sagas/{id}/audit has all',
    }),
  })
  .meta({ id: 'SagaView' });

/** 200 of `GET /sagas`, newest first; `nextCursor` is null on the last page. */
export const sagaPageSchema: z.ZodType<SagaPage> = z
  .object({ items: z.array(sagaSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'SagaPage' });

/** Every 4xx and 5xx answer. */
export const problemBodySchema: z.ZodType<ProblemBody> = z
  .object({
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const breakerState = z.enum(['closed', 'open', 'half-open']);
const counts = z.object({ successes: z.number().int(), failures: z.number().int() });

/** 200 of `GET /participants/:name` (and each item of `GET /participants`). */
export const participantViewSchema: z.ZodType<ParticipantView> = z
  .object({
    participant: z.string(),
    breaker: z.object({
      state: breakerState,
      window: counts,
      probesLeft: z.number().int(),
      totals: counts.extend({ opened: z.number().int() }),
    }),
    commandsInFlight: z.number().int(),
    commandsHeld: z.number().int(),
    maxCommandsInFlight: z.number().int(),
    recentChanges: z.array(
      z.object({
        participant: z.string(),
        at: isoTime,
        from: breakerState,
        to: breakerState,
        instance: z.string(),
        detail: z.string(),
      }),
    ),
  })
  .meta({ id: 'ParticipantView' });
