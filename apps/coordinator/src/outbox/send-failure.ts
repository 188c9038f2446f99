/**
 * Broker error codes after which a message can never be sent as it stands: the topic is
 * missing, invalid or forbidden, or the message is too large. Anything else is transient.
 */
const NEVER_SENDABLE_CODES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'UNKNOWN_TOPIC_OR_PARTITION',
]);

/**
 * The broker's code when a publish failed because a message can never be sent (kafkajs
 * protocol errors, looked for through `cause`, `originalError` and aggregated `errors`);
 * undefined for a transient failure (broker down, timeout, leader moving), which is retried.
 */
export function neverSendableCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { type, cause, originalError, errors } = error as {
    type?: unknown;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
  };
  if (typeof type === 'string' && NEVER_SENDABLE_CODES.has(type)) return type;
  for (const inner of [cause, originalError, ...(Array.isArray(errors) ? errors : [])]) {
    const code = neverSendableCode(inner, depth + 1);
    if (code !== undefined) return code;
  }
  return undefined;
}

/**
 * Remembers since when each outbox row has failed with a never-sendable code, so that a row is
 * set aside only once its failure has lasted `persistMs` (a topic being created right now is
 * not poison). In memory: after a restart the wait starts again, which only delays.
 */
export class SendFailureTracker {
  private readonly since = new Map<string, number>();

  constructor(private readonly persistMs: number) {}

  /** Records a never-sendable failure of the row at `now` (ms); true once it has lasted long enough. */
  persisted(rowId: string, now: number): boolean {
    const first = this.since.get(rowId) ?? now;
    this.since.set(rowId, first);
    return now - first >= this.persistMs;
  }

  /** Whether the row has failed so before (and was neither sent nor set aside since). */
  has(rowId: string): boolean {
    return this.since.has(rowId);
  }

  /** Forgets a row (sent, or set aside). */
  forget(rowId: string): void {
    this.since.delete(rowId);
  }
}
