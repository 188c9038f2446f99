import type { MessagePublisher, OutgoingMessage } from '#saga-core';

/**
 * The most messages, and the most UTF-16 units of keys, values and headers, one merged publish
 * carries: well under a broker's default 1 MiB per partition's batch, whatever the encoding.
 */
export const MERGED_REPLY_LIMITS = { messages: 1_000, units: 256 * 1024 } as const;

interface Caller {
  readonly messages: readonly OutgoingMessage[];
  resolve(): void;
  reject(error: unknown): void;
}

interface Group {
  readonly messages: OutgoingMessage[];
  units: number;
  readonly callers: Caller[];
}

/**
 * A publisher that merges the publishes handed in during one turn of the event loop into one:
 * a participant's handlers of several partitions reply at about the same time, and a request
 * of a few records costs the client and the broker several times more per record than one of
 * tens. Each caller's messages keep their order, after those of earlier callers. A group is
 * published early once it holds MERGED_REPLY_LIMITS (a caller's batch beyond them goes alone).
 * When a merged publish fails, each caller's batch is published again on its own and each
 * caller settles as its own batch does: a reply that can never be sent fails only its batch.
 */
export function mergingPublisher(publisher: MessagePublisher): MessagePublisher {
  let open: Group | undefined;

  // Only the open group is unsent: a group leaves `open` when it is published.
  const flush = (group: Group) => {
    if (open !== group) return;
    open = undefined;
    const alone = (caller: Caller) => publisher.publish(caller.messages).then(caller.resolve);
    if (group.callers.length === 1) {
      const [caller] = group.callers;
      alone(caller!).catch(caller!.reject);
      return;
    }
    publisher.publish(group.messages).then(
      () => group.callers.forEach((caller) => caller.resolve()),
      () => group.callers.forEach((caller) => alone(caller).catch(caller.reject)),
    );
  };

  const publish = (messages: readonly OutgoingMessage[]) =>
    new Promise<void>((resolve, reject) => {
      const units = messages.reduce((sum, message) => sum + unitsOf(message), 0);
      if (
        open !== undefined &&
        (open.messages.length + messages.length > MERGED_REPLY_LIMITS.messages ||
          open.units + units > MERGED_REPLY_LIMITS.units)
      ) {
        flush(open);
      }
      if (open === undefined) {
        const group: Group = { messages: [], units: 0, callers: [] };
        open = group;
        setImmediate(() => flush(group));
      }
      open.messages.push(...messages);
      open.units += units;
      open.callers.push({ messages, resolve, reject });
    });

  return { publish: (messages) => (messages.length === 0 ? Promise.resolve() : publish(messages)) };
}

/** The UTF-16 units of a message's text; what is not text counts nothing (the publisher refuses it). */
function unitsOf(message: OutgoingMessage): number {
  let units = lengthOf(message.key) + lengthOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    units += name.length + lengthOf(value);
  }
  return units;
}

const lengthOf = (text: unknown): number => (typeof text === 'string' ? text.length : 0);
