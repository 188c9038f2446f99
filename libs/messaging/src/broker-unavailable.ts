/**
 * Whether `error`, from kafkajs, says the broker could not be reached or was not ready (a refused
 * or lost connection, a timeout, a leader not elected yet) rather than something another try
 * cannot mend (credentials refused, an authorization denied, a bad request): kafkajs wraps the
 * error of its last try, whose own `retriable` says which.
 */
export function isBrokerUnavailable(error: unknown): boolean {
  let innermost = error as { name?: unknown; retriable?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && innermost?.cause !== undefined; depth++) {
    innermost = innermost.cause as typeof innermost;
  }
  return (
    typeof innermost?.name === 'string' &&
    innermost.name.startsWith('KafkaJS') &&
    innermost.retriable === true
  );
}
