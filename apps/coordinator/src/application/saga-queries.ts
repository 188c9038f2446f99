import type { JsonValue } from '#contracts';
import type { SagaStatus, StepStatus } from '#saga-core';

/** One step as the API shows it. */
export interface StepView {
  readonly stepId: string;
  readonly status: StepStatus;
  /** Attempts made so far (forward or compensation, whichever is current). */
  readonly attempt: number;
  /** When the step next wakes up (retry or timeout), ISO time. */
  readonly nextWakeupAt: string | null;
  readonly lastOutcome: JsonValue | null;
}

/** One line of a saga's history, from the audit log. */
export interface HistoryEntry {
  readonly at: string;
  readonly eventType: string;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly stepId: string | null;
  readonly attempt: number | null;
  readonly actor: string | null;
  /** False when the event was fenced off or refused and changed nothing. */
  readonly applied: boolean;
  readonly detail: string;
}

/** A saga in a list. */
export interface SagaSummary {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: SagaStatus;
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A saga with its steps and history. */
export interface SagaView extends SagaSummary {
  /** The W3C trace id of the saga's trace; null when tracing was off as it started. */
  readonly traceId: string | null;
  readonly input: JsonValue;
  readonly context: JsonValue;
  /** Why it compensated or got stuck, when it did. */
  readonly cause: JsonValue | null;
  readonly reason: string | null;
  readonly steps: readonly StepView[];
  /** Its audit lines, oldest first: the latest HISTORY_LINES at most. */
  readonly history: readonly HistoryEntry[];
  /** True when `history` leaves earlier lines out: `GET /sagas/:id/audit` pages through all. */
  readonly historyTruncated: boolean;
}

/** Filters and paging of `GET /sagas`; times are ISO strings, `limit` 1..200 (default 50). */
export interface SagaListQuery {
  readonly status?: SagaStatus;
  readonly sagaType?: string;
  readonly createdFrom?: string;
  readonly createdTo?: string;
  /** A saga query (docs/QUERIES.md), combined with the other filters by AND. */
  readonly q?: string;
  readonly limit: number;
  /** Opaque, from the previous page's `nextCursor`. */
  readonly cursor?: string;
}

/** A page of sagas, newest first. */
export interface SagaPage {
  readonly items: readonly SagaSummary[];
  readonly nextCursor: string | null;
}

/** How a saga is shown. */
export interface SagaViewOptions {
  /** Show the fields its definition marks sensitive in clear (default: redacted). */
  readonly revealSensitive?: boolean;
}

/** Read access to sagas. */
export interface SagaQueries {
  get(sagaId: string, options?: SagaViewOptions): Promise<SagaView | undefined>;
  list(query: SagaListQuery): Promise<SagaPage>;
}

/** Nest injection token for {@link SagaQueries}. */
export const SAGA_QUERIES = Symbol('SAGA_QUERIES');
