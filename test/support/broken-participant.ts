// A participant that breaks the contract on purpose, written on the bare transport (no kit's
// runtime; its reply builders only), to
// prove the conformance kit names the rules it breaks: it answers every valid command twice,
// with a success whose result changes on each run (it stores no outcome), and ignores
// compensations (it keeps no keys, so a command that arrives after its compensation is applied
// anyway). Malformed messages it dead-letters like a good one.
import { commandMessageSchema, decodeMessage, topicNames } from '#contracts';
import { replyEnvelope, replyMessage } from '#saga-participant';
import type { DeadLetter, MessageConsumer, MessagePublisher, OutgoingMessage } from '#saga-core';

/** Starts the broken participant `participant` on `<topicPrefix><participant>.commands`. */
export async function startBrokenParticipant(options: {
  readonly participant: string;
  readonly topicPrefix: string;
  readonly consumer: MessageConsumer;
  readonly publisher: MessagePublisher;
}): Promise<{ stop(): Promise<void> }> {
  const { participant, topicPrefix, consumer, publisher } = options;
  let runs = 0;
  await consumer.start({
    groupId: `${topicPrefix}${participant}.broken`,
    topics: [topicNames(topicPrefix).commands(participant)],
    handleBatch: async (messages) => {
      const replies: OutgoingMessage[] = [];
      const deadLetters: DeadLetter[] = [];
      for (const message of messages) {
        const decoded = decodeMessage(commandMessageSchema, message.value ?? '');
        if (!decoded.ok || decoded.value.participant !== participant) {
          deadLetters.push({ message, reason: decoded.ok ? 'not mine' : decoded.reason });
          continue;
        }
        const command = decoded.value;
        const outcome = {
          status: 'success' as const,
          result: { done: command.idempotencyKey, run: ++runs },
        };
        // The contract's reply and headers, as the kit builds them; sent twice.
        const out = replyMessage(
          command,
          replyEnvelope(command, outcome, new Date()),
          message.headers,
        );
        replies.push(out, out);
      }
      await publisher.publish(replies);
      return { deadLetters };
    },
  });
  return { stop: () => consumer.stop() };
}
