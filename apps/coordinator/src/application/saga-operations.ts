import type { JsonValue } from '#contracts';
import type { SagaStatus } from '#saga-core';

/** A request to start a saga (HTTP `POST /sagas` or a `saga.start` message). */
export interface StartSagaRequest {
  readonly sagaType: string;
  /** The definition version; the latest registered when absent. */
  readonly sagaVersion?: number;
  /** Same type and key again answers with the saga the first request started. */
  readonly idempotencyKey: string;
  readonly input: JsonValue;
}

/** What a start request led to. */
export interface StartSagaAnswer {
  readonly sagaId: string;
  /** False when the idempotency key had already started this saga. */
  readonly created: boolean;
  readonly status: SagaStatus;
}

/** The saga's status after an operator action. */
export interface OperatorActionAnswer {
  readonly sagaId: string;
  readonly status: SagaStatus;
}

/**
 * What callers may do to sagas. Every method decides in one database transaction; errors are
 * the classes of `saga-errors.ts` (unknown type, invalid input, not found, illegal action).
 */
export interface SagaOperations {
  /**
   * Starts a saga, or answers with the one its key already started. `traceParent` (headers
   * holding a W3C `traceparent`) makes the saga's trace a child of the caller's.
   */
  start(
    request: StartSagaRequest,
    traceParent?: Readonly<Record<string, string>>,
  ): Promise<StartSagaAnswer>;
  /** Stops a running saga and compensates what it did; refused after the pivot or when final. */
  cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer>;
  /** Tries a stuck saga again. */
  resume(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer>;
  /**
   * Sends the next attempt of one step now (a step awaiting its reply or backing off, or a
   * compensation in progress); on a stuck saga, a halted step resumes it.
   */
  retryStep(
    sagaId: string,
    stepId: string,
    actor: string,
    reason?: string,
  ): Promise<OperatorActionAnswer>;
}

/** Nest injection token for {@link SagaOperations}. */
export const SAGA_OPERATIONS = Symbol('SAGA_OPERATIONS');
