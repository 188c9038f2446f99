import { HEADERS, topicNames, type CommandMessage } from '#contracts';
import { InMemoryTransport } from '#messaging';
import { commandFor } from './command.fixture.js';
import { silentParticipantLogger } from '#saga-participant';
import {
  SAMPLE_PARTICIPANT_NAMES,
  sampleParticipantTopics,
  startSampleParticipants,
} from './sample-participants.js';
import type { MessageConsumer } from '#saga-core';

const topics = topicNames('test.');

/** The sample participants over the in-memory transport, with the topics they and the tests need. */
async function embedded() {
  const transport = new InMemoryTransport();
  await transport.administrator.ensureTopics([
    ...sampleParticipantTopics('test.', 2),
    { topic: topics.replies, partitions: 2 },
  ]);
  const consumers = new Map<string, ReturnType<InMemoryTransport['createConsumer']>>();
  const participants = await startSampleParticipants({
    consumerFactory: (participant) => {
      const consumer = transport.createConsumer();
      consumers.set(participant, consumer);
      return consumer;
    },
    publisher: transport.publisher,
    topicPrefix: 'test.',
    logger: silentParticipantLogger,
  });
  const send = async (command: CommandMessage) => {
    await transport.publisher.publish([
      {
        topic: topics.commands(command.participant),
        key: command.sagaId,
        headers: { [HEADERS.messageType]: 'saga.command' },
        value: JSON.stringify(command),
      },
    ]);
    await Promise.all([...consumers.values()].map((consumer) => consumer.idle()));
  };
  const replies = () =>
    transport.broker
      .records(topics.replies)
      .flat()
      .map((record) => JSON.parse(record.value ?? '') as { stepId: string; outcome: unknown });
  return { transport, participants, send, replies };
}

describe('the sample participants', () => {
  it('read a command topic and its dead-letter topic each', () => {
    expect(sampleParticipantTopics('dev.', 4)).toEqual(
      SAMPLE_PARTICIPANT_NAMES.flatMap((name) => [
        { topic: `dev.${name}.commands`, partitions: 4 },
        { topic: `dev.${name}.commands.dlq`, partitions: 4 },
      ]),
    );
  });

  it('answer commands to each of the four participants, and keep their ledgers', async () => {
    const { transport, participants, send, replies } = await embedded();
    const items = [{ sku: 'apple', quantity: 1 }];

    await send(commandFor({ payload: { orderId: 'o-1', items } }));
    await send(
      commandFor({
        stepId: 'authorize-payment',
        participant: 'payment',
        commandType: 'payment.authorize',
        payload: { orderId: 'o-1', customerId: 'c-1', amount: 42, currency: 'EUR' },
      }),
    );
    await send(
      commandFor({
        stepId: 'schedule-shipping',
        participant: 'shipping',
        commandType: 'shipping.schedule',
        payload: { orderId: 'o-1', customerId: 'c-1', items },
      }),
    );
    await send(
      commandFor({
        stepId: 'notify-customer',
        participant: 'notification',
        commandType: 'notification.send',
        payload: { orderId: 'o-1', customerId: 'c-1', template: 'order-confirmed' },
      }),
    );

    expect(replies().map((r) => [r.stepId, r.outcome])).toEqual([
      [
        'reserve-inventory',
        { status: 'success', result: { reservationId: 'rsv:saga-1:reserve-inventory' } },
      ],
      [
        'authorize-payment',
        { status: 'success', result: { authorizationId: 'auth:saga-1:authorize-payment' } },
      ],
      [
        'schedule-shipping',
        { status: 'success', result: { shipmentId: 'shp:saga-1:schedule-shipping' } },
      ],
      [
        'notify-customer',
        {
          status: 'success',
          result: { notificationId: 'ntf:saga-1:notify-customer', channel: 'email' },
        },
      ],
    ]);
    for (const name of SAMPLE_PARTICIPANT_NAMES) {
      expect(participants.ledgers[name].entries).toHaveLength(1);
    }
    await participants.stop();
    await transport.close();
  });

  it('stop reading when stopped', async () => {
    const { transport, participants, send, replies } = await embedded();

    await participants.stop();
    await send(commandFor());

    expect(replies()).toEqual([]);
    await transport.close();
  });

  it('stop every participant when one cannot start (a start still joining ends with its stop)', async () => {
    const transport = new InMemoryTransport();
    await transport.administrator.ensureTopics(sampleParticipantTopics('', 1));
    const stopped: string[] = [];
    const consumerFor = (participant: string): MessageConsumer => {
      const consumer = transport.createConsumer();
      return {
        start: (options) =>
          participant === 'shipping'
            ? Promise.reject(new Error('cannot join the group'))
            : consumer.start(options),
        pause: () => consumer.pause(),
        resume: () => consumer.resume(),
        stop: async () => {
          stopped.push(participant);
          await consumer.stop();
        },
      };
    };

    await expect(
      startSampleParticipants({
        consumerFactory: consumerFor,
        publisher: transport.publisher,
        logger: silentParticipantLogger,
      }),
    ).rejects.toThrow('cannot join the group');
    expect(stopped.sort()).toEqual(['inventory', 'notification', 'payment', 'shipping']);
    await transport.close();
  });
});
