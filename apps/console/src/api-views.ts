// What the API answers, as far as the console reads it (see docs/API in the OpenAPI at /docs).
import type { HistoryEntry } from './timeline-lanes.js';

/** A page of a list; `nextCursor` null on the last one. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** A saga in a list (`GET /sagas`). */
export interface SagaSummary {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: string;
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One step of a saga (`GET /sagas/:id`). */
export interface StepView {
  readonly stepId: string;
  readonly status: string;
  readonly attempt: number;
  readonly nextWakeupAt: string | null;
  readonly lastOutcome: unknown;
}

/** One saga with its steps and history (`GET /sagas/:id`). */
export interface SagaView extends SagaSummary {
  readonly input: unknown;
  readonly context: unknown;
  readonly cause: unknown;
  readonly reason: string | null;
  /** Absent from coordinators that do not record it. */
  readonly traceId?: string | null;
  readonly steps: readonly StepView[];
  readonly history: readonly HistoryEntry[];
  /** True when `history` holds only the latest lines (absent from older coordinators). */
  readonly historyTruncated?: boolean;
}

/** A saga of `GET /sagas/stuck`. */
export interface StuckSaga extends SagaSummary {
  readonly kind: string;
  readonly reason: string;
  /** When its step began retrying without success, else its row's last change. */
  readonly noProgressSince: string;
}

/** A dead letter (`GET /dead-letters`). */
export interface DeadLetter {
  readonly id: string;
  readonly topic: string;
  readonly originalTopic: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly valueTruncated: boolean;
  readonly valueRedacted: boolean;
  readonly reason: string;
  readonly recordedAt: string;
  readonly replayedAt: string | null;
  readonly replayedBy: string | null;
  readonly replayCount: number;
}

/** A participant's breaker and load (`GET /participants`). */
export interface ParticipantView {
  readonly participant: string;
  readonly breaker: {
    readonly state: string;
    readonly window: { readonly successes: number; readonly failures: number };
    readonly probesLeft: number;
    readonly totals: {
      readonly successes: number;
      readonly failures: number;
      readonly opened: number;
    };
  };
  readonly commandsInFlight: number;
  readonly commandsHeld: number;
  readonly maxCommandsInFlight: number;
  readonly recentChanges: readonly {
    readonly at: string;
    readonly from: string;
    readonly to: string;
    readonly instance: string;
    readonly detail: string;
  }[];
}

/** A step of a definition. */
export interface DefinitionStep {
  readonly id: string;
  readonly participant: string;
  readonly command: string;
  readonly kind: string;
  readonly dependsOn: readonly string[];
}

/** A definition version (`GET /saga-definitions`, `GET /saga-definitions/:name/versions/:version`). */
export interface DefinitionListing {
  readonly name: string;
  readonly version: number;
  readonly source: string;
  readonly description?: string;
  readonly participants: readonly string[];
  readonly steps: readonly DefinitionStep[];
  readonly active: boolean;
  readonly retired: boolean;
}

/** How a type's new starts are routed (`GET /saga-definitions/:name/routing`). */
export interface RoutingView {
  readonly name: string;
  readonly route?: {
    readonly active: number;
    readonly ramp?: { readonly version: number; readonly percent: number; readonly since: string };
    readonly revision: number;
  };
  readonly log: readonly {
    readonly at: string;
    readonly version: number | null;
    readonly action: string;
    readonly actor: string;
    readonly detail: string;
  }[];
}

/** The bulk actions. */
export type BulkAction = 'cancel' | 'resume' | 'retry';

/** The answer of a dry run of `POST /bulk-operations`. */
export interface BulkDryRun {
  readonly dryRun: true;
  readonly action: BulkAction;
  readonly query: string;
  readonly matched: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly sample: readonly SagaSummary[];
}

/** A bulk operation (`GET /bulk-operations/:id`). */
export interface BulkOperation {
  readonly operationId: string;
  readonly action: BulkAction;
  readonly query: string;
  readonly reason: string;
  readonly stepId: string | null;
  readonly actor: string;
  readonly status: 'running' | 'done' | 'stopped';
  readonly matched: number;
  readonly applied: number;
  readonly refused: number;
  readonly remaining: number;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly refusals: readonly { readonly sagaId: string; readonly reason: string }[];
}
