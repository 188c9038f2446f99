/** No dead letter has that id (HTTP 404). */
export class DeadLetterNotFoundError extends Error {
  override name = 'DeadLetterNotFoundError';
  constructor(readonly id: string) {
    super(`no dead letter with id ${id}`);
  }
}

/** The dead letter cannot be replayed as it is, e.g. its value was cut when recorded (HTTP 409). */
export class DeadLetterNotReplayableError extends Error {
  override name = 'DeadLetterNotReplayableError';
}

/** The broker did not acknowledge a replay (HTTP 503); the dead letter stays replayable. */
export class ReplayPublishError extends Error {
  override name = 'ReplayPublishError';
}
