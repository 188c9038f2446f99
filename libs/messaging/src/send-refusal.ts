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

/** The codes of a publish the broker refused for its size (a record, or a partition's batch). */
const TOO_LARGE_CODES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
]);

/**
 * The broker's code when a publish failed because a message can never be sent; undefined for a
 * transient failure (broker down, timeout, leader moving), which is retried.
 */
export function neverSendableCode(error: unknown): string | undefined {
  return kafkaErrorCode(error, NEVER_SENDABLE_CODES);
}

/**
 * The first broker error code of `codes` that a failure carries (kafkajs protocol errors,
 * looked for through `cause`, `originalError` and aggregated `errors`), else undefined.
 */
export function kafkaErrorCode(
  error: unknown,
  codes: ReadonlySet<string>,
  depth = 0,
): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { type, cause, originalError, errors } = error as {
    type?: unknown;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
  };
  if (typeof type === 'string' && codes.has(type)) return type;
  for (const inner of [cause, originalError, ...(Array.isArray(errors) ? errors : [])]) {
    const code = kafkaErrorCode(inner, codes, depth + 1);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** Never-sendable codes that concern the topic (missing, invalid, forbidden), not the one message. */
const TOPIC_CODES: ReadonlySet<string> = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'UNKNOWN_TOPIC_OR_PARTITION',
]);

/** Whether a never-sendable `code` (neverSendableCode) refuses the topic, whatever the message. */
export function refusesTopic(code: string): boolean {
  return TOPIC_CODES.has(code);
}

/** Whether a publish failed because the broker refused its size: smaller, it may pass. */
export function refusedAsTooLarge(error: unknown): boolean {
  const code = neverSendableCode(error);
  return code !== undefined && TOO_LARGE_CODES.has(code);
}
