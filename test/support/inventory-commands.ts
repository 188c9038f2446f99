// The order saga's reservation command as the coordinator sends it, for tests that drive an
// inventory participant directly on its command topic.
import type { CommandMessage } from '#contracts';
import { commandFor } from '../../libs/saga-participant/src/command.fixture.js';

/** `inventory.reserve` of `sagaId` (attempt 1 unless given), 2 units of `sku` (apple), replying to `replyTo`. */
export function reserveCommand(
  sagaId: string,
  replyTo: string,
  { attempt = 1, sku = 'apple' }: { attempt?: number; sku?: string } = {},
): CommandMessage {
  return commandFor({
    sagaId,
    attempt,
    replyTo,
    payload: { orderId: `order-of-${sagaId}`, items: [{ sku, quantity: 2 }] },
    sentAt: new Date().toISOString(),
  });
}
