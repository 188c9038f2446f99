/** Failures of saga operations that callers caused; the HTTP layer maps each to a 4xx. */
export abstract class SagaOperationError extends Error {}

/** No definition with that name (and version) is registered (HTTP 400). */
export class UnknownSagaTypeError extends SagaOperationError {
  override name = 'UnknownSagaTypeError';
}

/** The version a start names is not registered, or is retired (HTTP 400 on `sagaVersion`). */
export class UnknownSagaVersionError extends UnknownSagaTypeError {
  override name = 'UnknownSagaVersionError';
}

/** One problem with a saga's input, located by its path inside the input. */
export interface InputProblem {
  readonly path: string;
  readonly message: string;
}

/** The input does not satisfy the definition's schema (HTTP 400, each field named). */
export class InvalidSagaInputError extends SagaOperationError {
  override name = 'InvalidSagaInputError';
  constructor(readonly problems: readonly InputProblem[]) {
    super(
      `invalid input: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`,
    );
  }
}

/** No saga has that id (HTTP 404). */
export class SagaNotFoundError extends SagaOperationError {
  override name = 'SagaNotFoundError';
  constructor(readonly sagaId: string) {
    super(`no saga with id ${sagaId}`);
  }
}

/** The action is not allowed in the saga's current state (HTTP 409). */
export class IllegalSagaActionError extends SagaOperationError {
  override name = 'IllegalSagaActionError';
}

/** The same idempotency key was used with another input (HTTP 409). */
export class IdempotencyConflictError extends SagaOperationError {
  override name = 'IdempotencyConflictError';
}

/**
 * A start's key already started a saga of a version this instance does not know, even once it
 * read the stored definitions again (another instance registered it a moment ago, or a newer
 * release has it built in): its input cannot be compared here, so whether it is a retry is not
 * known (HTTP 503 with `Retry-After`: another instance, or this one later, can answer).
 */
export class SagaVersionNotLoadedError extends SagaOperationError {
  override name = 'SagaVersionNotLoadedError';
}

/**
 * An operator's action on a saga of a definition version this instance does not run, even once
 * it read the stored definitions again (HTTP 503: another instance, or this one later, can act).
 * Nothing was written: the saga did not refuse the action.
 */
export class SagaVersionNotRunHereError extends SagaOperationError {
  override name = 'SagaVersionNotRunHereError';
}

/**
 * A saga query that cannot select sagas (HTTP 400 naming `field`, `q` or `query`): what is
 * wrong and where, as a 0-based character offset into the query.
 */
export class InvalidSagaQueryError extends SagaOperationError {
  override name = 'InvalidSagaQueryError';
  constructor(
    readonly problem: string,
    /** Where in the query, when the problem is at one place of it. */
    readonly position: number | undefined,
    readonly field = 'q',
  ) {
    super(position === undefined ? problem : `${problem} (at character ${position + 1})`);
  }

  /** The same problem, named for another field of the request. */
  forField(field: string): InvalidSagaQueryError {
    return new InvalidSagaQueryError(this.problem, this.position, field);
  }
}

/** The `cursor` of a list request is not one a previous page gave out (HTTP 400). */
export class InvalidCursorError extends SagaOperationError {
  override name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid: pass the nextCursor of a previous page unchanged');
  }
}

/** No room for another saga now: a start to try again later (HTTP 429 with `Retry-After`). */
export class SagaCapacityError extends SagaOperationError {
  override name = 'SagaCapacityError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }

  /** The cap on sagas in flight is reached (`inFlight` counts the starts waiting too). */
  static atCap(inFlight: number, limit: number): SagaCapacityError {
    return new SagaCapacityError(
      `${inFlight} sagas are in flight, the limit is ${limit}: try again later`,
      1,
    );
  }

  /**
   * The replies this instance has yet to handle stayed many for as long as a start may wait.
   * The starts refused together are told to come back 1 to 3 s later, not all at once.
   */
  static repliesBehind(waitedMs: number, random = Math.random): SagaCapacityError {
    return new SagaCapacityError(
      `the coordinator is behind on the replies of the sagas in flight: the start waited ${Math.round(waitedMs)} ms for them; try again later`,
      1 + Math.floor(random() * 3),
    );
  }

  /** The starts waiting for a write on this instance hold as much input as they may. */
  static startsWaiting(maxBytes: number): SagaCapacityError {
    return new SagaCapacityError(
      `the starts waiting on this instance hold ${maxBytes} bytes of input, the most they may: try again later`,
      1,
    );
  }
}
