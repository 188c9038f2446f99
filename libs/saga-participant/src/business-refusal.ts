import type { JsonValue } from '#contracts';

/**
 * Thrown by a command handler to refuse a command for a business reason (out of stock, card
 * declined): the reply says `failure` with this code, the step is not retried and the saga
 * compensates. The message goes back to the coordinator as it is: keep secrets out of it.
 */
export class BusinessRefusal extends Error {
  override readonly name = 'BusinessRefusal';

  /**
   * @param code a stable, machine-readable reason such as `OUT_OF_STOCK`.
   * @param message a human-readable account (default: the code).
   * @param details optional JSON sent along with the refusal.
   */
  constructor(
    readonly code: string,
    message: string = code,
    readonly details?: JsonValue,
  ) {
    super(message);
  }
}
