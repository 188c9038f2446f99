import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseReplyMessage, type CommandMessage } from '#contracts';
import { InMemoryTransport } from '#messaging';
import { BusinessRefusal } from './business-refusal.js';
import { CommandHandler } from './command-handler.decorator.js';
import { commandFor } from './command.fixture.js';
import { silentParticipantLogger } from './participant-logger.js';
import { SagaParticipantModule } from './saga-participant.module.js';

const COMMANDS = 'test.inventory.commands';
const REPLIES = 'test.saga.replies';

@Injectable()
class InventoryHandlers {
  readonly reserved: string[] = [];

  @CommandHandler('inventory.reserve')
  reserve(command: CommandMessage) {
    this.reserved.push(command.idempotencyKey);
    return { reservationId: `rsv-${this.reserved.length}` };
  }

  @CommandHandler('inventory.release')
  release() {
    throw new BusinessRefusal('NOTHING_TO_RELEASE');
  }

  notAHandler() {
    return 'ignored';
  }
}

async function applicationWith(transport: InMemoryTransport) {
  const consumer = transport.createConsumer();
  @Module({
    imports: [
      SagaParticipantModule.forRoot({
        participant: 'inventory',
        consumer,
        publisher: transport.publisher,
        topicPrefix: 'test.',
        logger: silentParticipantLogger,
      }),
    ],
    providers: [InventoryHandlers],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  return { app, consumer };
}

describe('the saga participant module', () => {
  it('answers commands with the provider methods marked @CommandHandler, once per key', async () => {
    const transport = new InMemoryTransport({ delay: async (_ms, signal) => !signal.aborted });
    await transport.administrator.ensureTopics(
      [COMMANDS, `${COMMANDS}.dlq`, REPLIES].map((topic) => ({ topic, partitions: 1 })),
    );
    const { app, consumer } = await applicationWith(transport);
    const reserve = commandFor();
    const release = commandFor({ action: 'compensate', commandType: 'inventory.release' });
    const send = (command: CommandMessage) => ({
      key: command.sagaId,
      headers: {},
      value: JSON.stringify(command),
    });
    transport.broker.append(COMMANDS, [send(reserve), send(reserve), send(release)]);
    await consumer.idle();

    const outcomes = transport.broker
      .records(REPLIES)
      .flat()
      .map((record) => {
        const parsed = parseReplyMessage(JSON.parse(record.value ?? ''));
        return parsed.ok ? parsed.value.outcome : parsed.reason;
      });
    expect(outcomes).toEqual([
      { status: 'success', result: { reservationId: 'rsv-1' } },
      { status: 'success', result: { reservationId: 'rsv-1' } },
      { status: 'failure', code: 'NOTHING_TO_RELEASE', message: 'NOTHING_TO_RELEASE' },
    ]);
    expect(app.get(InventoryHandlers).reserved).toEqual(['saga-1:reserve-inventory']);
    await app.close();
    await transport.close();
  });
});
