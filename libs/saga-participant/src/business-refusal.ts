import type { JsonValue } from '#contracts';

/**
 * Thrown by a command handler to refuse a command for a business reason (out of stock, card
 * declined): the reply says `failure` with this code, the saga compensates, and the step is
 * neither retried nor compensated itself, so the handler's writes (in its transaction, and
 * changes registered with onRollback) are undone, even after a statement of the transaction
 * failed. The message goes back to the coordinator as it is: keep secrets out of it.
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
