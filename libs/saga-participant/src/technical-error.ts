/**
 * Thrown by a command handler when it cannot act right now for a technical reason it can name
 * (a dependency down, a circuit breaker open): the reply says `error` with this code, the
 * handler's writes roll back, nothing is stored, and the coordinator retries under the same
 * key unless `retryable` is false. Any other throw is an `error` coded `INTERNAL`.
 */
export class TechnicalError extends Error {
  override readonly name = 'TechnicalError';

  /**
   * @param code a stable, machine-readable reason such as `GATEWAY_UNAVAILABLE`.
   * @param message a human-readable account sent to the coordinator (default: the code).
   * @param retryable false when retrying cannot help (default true).
   */
  constructor(
    readonly code: string,
    message: string = code,
    readonly retryable = true,
  ) {
    super(message);
  }
}
