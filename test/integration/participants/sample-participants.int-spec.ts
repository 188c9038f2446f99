// The participant runtime on the kafkajs adapter against the real broker (KAFKA_BROKERS): a
// command published to `<prefix>inventory.commands` is answered on the reply topic, once.
import { DEAD_LETTER_HEADERS, HEADERS, topicNames } from '#contracts';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import type { IncomingMessage } from '#saga-core';
import { InventoryHandlers } from '../../../apps/sample-participants/src/inventory.handlers.js';
import {
  commandHandlersOf,
  type ParticipantRuntime,
  silentParticipantLogger,
  startParticipantRuntime,
} from '#saga-participant';
import { kafkaBrokers, uniqueName } from '../../support/services.js';
import { reserveCommand } from '../../support/inventory-commands.js';
import { waitFor } from '../../support/wait-for.js';

const prefix = `${uniqueName('participants')}.`;
const topics = topicNames(prefix);
const commandTopic = topics.commands('inventory');
const deadLetterTopic = topics.deadLetter(commandTopic);
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the inventory participant on a real broker', () => {
  const transport = new KafkaTransport(
    {
      brokers: kafkaBrokers(),
      clientId: uniqueName('participants'),
      retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
    },
    { logger: silentTransportLogger },
  );
  const inventory = new InventoryHandlers({ stock: { apple: 100 } });
  const seen: IncomingMessage[] = [];
  let runtime: ParticipantRuntime;

  const send = (value: string, key: string, headers: Record<string, string> = {}) =>
    transport.publisher.publish([{ topic: commandTopic, key, headers, value }]);
  const repliesTo = (sagaId: string) =>
    seen.filter((m) => m.topic === topics.replies && m.key === sagaId);

  beforeAll(async () => {
    // Every topic read needs its dead-letter topic, the reader's dead-letter topic included.
    const needed = [commandTopic, deadLetterTopic, topics.replies].flatMap((topic) => [
      topic,
      topics.deadLetter(topic),
    ]);
    await transport.administrator.ensureTopics(
      [...new Set(needed)].map((topic) => ({ topic, partitions: 2 })),
    );
    runtime = await startParticipantRuntime({
      participant: 'inventory',
      handlers: commandHandlersOf(inventory),
      consumer: transport.createConsumer(),
      publisher: transport.publisher,
      topicPrefix: prefix,
      logger: silentParticipantLogger,
    });
    // Reads what the participant writes: its replies and its dead letters.
    await transport.createConsumer().start({
      groupId: uniqueName('reader'),
      topics: [topics.replies, deadLetterTopic],
      handleBatch: async (messages) => {
        seen.push(...messages);
        return { deadLetters: [] };
      },
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    await transport.close();
  });

  it('answers a command on its reply topic, keyed by saga id, with the trace context', async () => {
    const command = reserveCommand('saga-a', topics.replies);

    await send(JSON.stringify(command), command.sagaId, { [HEADERS.traceparent]: TRACEPARENT });

    const [reply] = await waitFor(
      'the reply',
      () => repliesTo('saga-a').length > 0 && repliesTo('saga-a'),
    );
    expect(reply?.headers).toMatchObject({
      [HEADERS.messageId]: 'reply:saga-a:reserve-inventory:execute:1',
      [HEADERS.messageType]: 'saga.reply',
      [HEADERS.traceparent]: TRACEPARENT,
    });
    expect(JSON.parse(reply?.value ?? '')).toMatchObject({
      sagaId: 'saga-a',
      attempt: 1,
      outcome: { status: 'success', result: { reservationId: 'rsv:saga-a:reserve-inventory' } },
    });
  });

  it('dead-letters a malformed command, then answers a retry with the first reply, applied once', async () => {
    const first = reserveCommand('saga-b', topics.replies);
    await send(JSON.stringify(first), first.sagaId);
    await waitFor('the first reply', () => repliesTo('saga-b').length === 1);

    await send('{"sagaId": "saga-b"', 'saga-b');
    await send(JSON.stringify(reserveCommand('saga-b', topics.replies, { attempt: 2 })), 'saga-b');

    const replies = await waitFor(
      'the retry reply',
      () => repliesTo('saga-b').length === 2 && repliesTo('saga-b'),
    );
    const outcomes = replies.map(
      (m) => JSON.parse(m.value ?? '') as { attempt: number; outcome: unknown },
    );
    expect(outcomes.map((r) => r.attempt)).toEqual([1, 2]);
    expect(outcomes[1]?.outcome).toEqual(outcomes[0]?.outcome);
    expect(inventory.ledger.countOf('saga-b:reserve-inventory')).toBe(1);
    const deadLetter = await waitFor('the dead letter', () =>
      seen.find((m) => m.topic === deadLetterTopic),
    );
    expect(deadLetter.headers[DEAD_LETTER_HEADERS.reason]).toBe(
      'invalid command: (root): not valid JSON',
    );
  });
});
