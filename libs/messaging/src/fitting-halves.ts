import { refusedAsTooLarge } from './send-refusal.js';

/**
 * Sends `items` in one call, so that their size never holds a partition up: when the broker
 * refuses them as too large (refusedAsTooLarge: a partition's batch, or one record, past
 * `max.message.bytes`), again in halves, in their order, down to single items; a single item it
 * still refuses goes to `alone`, which sends a form of it that fits and is told the refusal. Any
 * other failure is thrown, for the caller to retry; a retry after a failure part-way sends the
 * first items again.
 */
export async function sendInFittingHalves<T>(
  send: (items: readonly T[]) => Promise<void>,
  items: readonly T[],
  alone: (item: T, refusal: unknown) => Promise<void>,
): Promise<void> {
  try {
    await send(items);
  } catch (error) {
    if (!refusedAsTooLarge(error)) throw error;
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await sendInFittingHalves(send, items.slice(0, half), alone);
      await sendInFittingHalves(send, items.slice(half), alone);
      return;
    }
    await alone(items[0]!, error);
  }
}
