// The answers of the coordinator's API, as far as the table output reads them (the JSON output
// prints them whole). See the OpenAPI document at /docs-json for every field.

/** An item of `GET /sagas`. */
export interface SagaSummary {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: string;
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `GET /sagas/:id`. */
export interface SagaView extends SagaSummary {
  readonly input: unknown;
  readonly context: unknown;
  readonly cause: unknown;
  readonly reason: string | null;
  readonly steps: readonly {
    readonly stepId: string;
    readonly status: string;
    readonly attempt: number;
    readonly nextWakeupAt: string | null;
    readonly lastOutcome: unknown;
  }[];
}

/** A line of `GET /sagas/:id/audit`. */
export interface AuditRecord {
  readonly seq: string;
  readonly at: string;
  readonly eventType: string;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly stepId: string | null;
  readonly attempt: number | null;
  readonly actor: string | null;
  readonly applied: boolean;
  readonly detail: string;
}

/** An item of `GET /sagas/stuck`. */
export interface StuckSaga {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: string;
  readonly kind: 'stuck' | 'idle';
  readonly reason: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When its step began retrying without success, else its row's last change. */
  readonly noProgressSince: string;
}

/** `POST /sagas` (202). */
export interface StartAnswer {
  readonly sagaId: string;
  readonly created: boolean;
  readonly status: string;
}

/** `POST /sagas/:id/cancel` and `/resume`. */
export interface ActionAnswer {
  readonly sagaId: string;
  readonly status: string;
}

/** `GET /dead-letters/:id`, an item of `GET /dead-letters`. */
export interface DeadLetter {
  readonly id: string;
  readonly topic: string;
  readonly originalTopic: string;
  readonly originalPartition: number | null;
  readonly originalOffset: string | null;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: unknown;
  readonly valueTruncated: boolean;
  readonly valueRedacted: boolean;
  readonly reason: string;
  readonly failedAt: string | null;
  readonly recordedAt: string;
  readonly replayedAt: string | null;
  readonly replayedBy: string | null;
  readonly replayCount: number;
}

/** `POST /dead-letters/replay`. */
export interface BulkReplayAnswer {
  readonly replayed: readonly string[];
  readonly more: boolean;
  /** Left as they were: their sealed value does not open (absent from older coordinators). */
  readonly unopenable?: readonly string[];
  /** When more wait, where the next call goes on from (absent from older coordinators). */
  readonly resumeAfter?: string | null;
}

/** `GET /participants/:name`, an item of `GET /participants`. */
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

/** An item of `GET /saga-definitions`; `GET .../versions/:version` adds its document. */
export interface DefinitionListing {
  readonly name: string;
  readonly version: number;
  readonly source: string;
  readonly description?: string;
  readonly participants: readonly string[];
  readonly steps: readonly {
    readonly id: string;
    readonly participant: string;
    readonly command: string;
    readonly kind: string;
    readonly dependsOn: readonly string[];
  }[];
  readonly active: boolean;
  readonly retired: boolean;
}

/** `PUT /saga-definitions/:name/routing`, and the `route` of its GET. */
export interface VersionRoute {
  readonly name: string;
  readonly active: number;
  readonly ramp?: { readonly version: number; readonly percent: number; readonly since: string };
  readonly revision: number;
}

/** `GET /saga-definitions/:name/routing`. */
export interface RoutingView {
  readonly name: string;
  readonly route?: VersionRoute;
  readonly log: readonly {
    readonly at: string;
    readonly version: number | null;
    readonly action: string;
    readonly actor: string;
    readonly detail: string;
  }[];
}

/** A dry run of `POST /bulk-operations`. */
export interface BulkPreview {
  readonly dryRun: true;
  readonly action: string;
  readonly query: string;
  readonly matched: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly sample: readonly SagaSummary[];
}

/** A bulk operation and its progress. */
export interface BulkOperation {
  readonly operationId: string;
  readonly action: string;
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
