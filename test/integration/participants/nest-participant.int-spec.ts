// A Nest participant on the real broker (KAFKA_BROKERS): the sample inventory controller, its
// handlers declared with @SagaCommand, served by a SagaParticipantServer connected with
// `app.connectMicroservice({ strategy })`, answers its commands on the reply topic, once per key.
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { topicNames, type CommandMessage } from '#contracts';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import type { IncomingMessage } from '#saga-core';
import { SagaParticipantServer, silentParticipantLogger } from '#saga-participant';
import {
  INVENTORY_OPTIONS,
  InventoryHandlers,
} from '../../../apps/sample-participants/src/inventory.handlers.js';
import { kafkaBrokers, uniqueName } from '../../support/services.js';
import { reserveCommand } from '../../support/inventory-commands.js';
import { waitFor } from '../../support/wait-for.js';

const prefix = `${uniqueName('nest_participant')}.`;
const topics = topicNames(prefix);
const commandTopic = topics.commands('inventory');

@Module({
  controllers: [InventoryHandlers],
  providers: [{ provide: INVENTORY_OPTIONS, useValue: { stock: { apple: 100, pear: 1 } } }],
})
class InventoryModule {}

describe('a Nest participant served by the SagaParticipantServer on a real broker', () => {
  const transport = new KafkaTransport(
    {
      brokers: kafkaBrokers(),
      clientId: uniqueName('nest-participant'),
      retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
    },
    { logger: silentTransportLogger },
  );
  const seen: IncomingMessage[] = [];
  let app: INestApplication | undefined;

  const send = (command: CommandMessage) =>
    transport.publisher.publish([
      { topic: commandTopic, key: command.sagaId, headers: {}, value: JSON.stringify(command) },
    ]);
  const outcomesOf = (sagaId: string) =>
    seen
      .filter((m) => m.key === sagaId)
      .map((m) => JSON.parse(m.value ?? '') as { attempt: number; outcome: unknown });

  beforeAll(async () => {
    const needed = [commandTopic, topics.replies].flatMap((t) => [t, topics.deadLetter(t)]);
    await transport.administrator.ensureTopics(needed.map((topic) => ({ topic, partitions: 2 })));
    app = await NestFactory.create(InventoryModule, { logger: false, abortOnError: false });
    app.connectMicroservice({
      strategy: new SagaParticipantServer({
        participant: 'inventory',
        consumer: transport.createConsumer(),
        publisher: transport.publisher,
        topicPrefix: prefix,
        logger: silentParticipantLogger,
      }),
    });
    await app.init();
    await app.startAllMicroservices();
    await transport.createConsumer().start({
      groupId: uniqueName('reader'),
      topics: [topics.replies],
      handleBatch: async (messages) => {
        seen.push(...messages);
        return { deadLetters: [] };
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await transport.close();
  });

  it('answers a command with its result, and its retry with the same reply without acting twice', async () => {
    await send(reserveCommand('saga-n1', topics.replies));
    await waitFor('the first reply', () => outcomesOf('saga-n1').length === 1);

    await send(reserveCommand('saga-n1', topics.replies, { attempt: 2 }));

    const replies = await waitFor(
      'the retry reply',
      () => outcomesOf('saga-n1').length === 2 && outcomesOf('saga-n1'),
    );
    const reserved = { reservationId: 'rsv:saga-n1:reserve-inventory' };
    expect(replies).toMatchObject([
      { attempt: 1, outcome: { status: 'success', result: reserved } },
      { attempt: 2, outcome: { status: 'success', result: reserved } },
    ]);
    const inventory = app!.get(InventoryHandlers);
    expect(inventory.ledger.countOf('saga-n1:reserve-inventory')).toBe(1);
    expect(await inventory.available('apple')).toBe(98);
  });

  it('answers a refusal thrown by the controller as a business failure', async () => {
    await send(reserveCommand('saga-n2', topics.replies, { sku: 'pear' }));

    const [reply] = await waitFor(
      'the refusal',
      () => outcomesOf('saga-n2')[0] && outcomesOf('saga-n2'),
    );
    expect(reply?.outcome).toEqual({
      status: 'failure',
      code: 'OUT_OF_STOCK',
      message: 'not enough pear in stock',
      details: { sku: 'pear' },
    });
  });
});
