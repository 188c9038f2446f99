import {
  BadRequestException,
  Controller,
  HttpException,
  HttpStatus,
  Module,
  UseGuards,
  UsePipes,
  type CanActivate,
  type INestApplication,
  type PipeTransform,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { of } from 'rxjs';
import { DEAD_LETTER_HEADERS, parseReplyMessage, type CommandMessage } from '#contracts';
import { InMemoryTransport, type InMemoryMessageConsumer } from '#messaging';
import { BusinessRefusal } from './business-refusal.js';
import { commandFor } from './command.fixture.js';
import { silentParticipantLogger } from './participant-logger.js';
import { SagaCommand } from './saga-command.decorator.js';
import type { SagaCommandContext } from './saga-command-context.js';
import { SagaParticipantServer } from './saga-participant.server.js';
import { TechnicalError } from './technical-error.js';

const REPLIES = 'test.saga.replies';
const commandsOf = (participant: string) => `test.${participant}.commands`;

@Controller()
class InventoryController {
  readonly reserved: string[] = [];

  @SagaCommand('inventory.reserve', { participant: 'inventory' })
  async reserve(@Payload() command: CommandMessage, @Ctx() context: SagaCommandContext) {
    this.reserved.push(context.getCommand().idempotencyKey);
    return { reservationId: `rsv-${this.reserved.length}`, sagaId: command.sagaId };
  }

  @SagaCommand('inventory.release', { participant: 'inventory' })
  release() {
    throw new BusinessRefusal('NOTHING_TO_RELEASE', 'no reservation to release');
  }

  @SagaCommand('inventory.count', { participant: 'inventory' })
  count() {
    return of({ counted: 1 }, { counted: 2 });
  }

  @SagaCommand('inventory.audit', { participant: 'inventory' })
  async audit(): Promise<never> {
    throw new TechnicalError('WAREHOUSE_OFFLINE', 'the warehouse does not answer');
  }

  @SagaCommand('inventory.crash', { participant: 'inventory' })
  crash(): never {
    throw new Error('a bug with a secret');
  }
}

@Controller()
class ShippingController {
  @SagaCommand('shipping.schedule', { participant: 'shipping' })
  schedule(@Payload() command: CommandMessage) {
    return { shipmentId: `shp-${command.sagaId}` };
  }
}

/** A Nest application on the in-memory transport, with one SagaParticipantServer per participant. */
async function applicationWith(controllers: (new () => object)[], participants: string[]) {
  const transport = new InMemoryTransport({ delay: async (_ms, signal) => !signal.aborted });
  const topics = participants.flatMap((p) => [commandsOf(p), `${commandsOf(p)}.dlq`]);
  await transport.administrator.ensureTopics(
    [...topics, REPLIES].map((topic) => ({ topic, partitions: 1 })),
  );
  @Module({ controllers })
  class AppModule {}
  const app: INestApplication = await NestFactory.create(AppModule, {
    logger: false,
    abortOnError: false,
  });
  const consumers: Record<string, InMemoryMessageConsumer> = {};
  for (const participant of participants) {
    consumers[participant] = transport.createConsumer();
    const strategy = new SagaParticipantServer({
      participant,
      consumer: consumers[participant],
      publisher: transport.publisher,
      topicPrefix: 'test.',
      logger: silentParticipantLogger,
    });
    app.connectMicroservice({ strategy });
  }
  const send = async (participant: string, ...messages: (CommandMessage | string)[]) => {
    transport.broker.append(
      commandsOf(participant),
      messages.map((message) =>
        typeof message === 'string'
          ? { key: 'saga-x', headers: {}, value: message }
          : { key: message.sagaId, headers: {}, value: JSON.stringify(message) },
      ),
    );
    await consumers[participant]!.idle();
  };
  const outcomes = () =>
    transport.broker
      .records(REPLIES)
      .flat()
      .map((record) => {
        const parsed = parseReplyMessage(JSON.parse(record.value ?? ''));
        return parsed.ok ? parsed.value.outcome : parsed.reason;
      });
  const deadLetters = (participant: string) =>
    transport.broker
      .records(`${commandsOf(participant)}.dlq`)
      .flat()
      .map((record) => record.headers[DEAD_LETTER_HEADERS.reason]);
  const close = async () => {
    await app.close();
    await transport.close();
  };
  return { app, transport, send, outcomes, deadLetters, close };
}

const inventoryCommand = (commandType: string, overrides: Partial<CommandMessage> = {}) =>
  commandFor({ commandType, stepId: commandType, ...overrides });

describe('the saga participant server', () => {
  it('answers a command with the @SagaCommand method, and a duplicate from the store without running it again', async () => {
    const nest = await applicationWith([InventoryController], ['inventory']);
    await nest.app.startAllMicroservices();

    await nest.send('inventory', commandFor(), commandFor());
    await nest.send('inventory', commandFor({ attempt: 2 }));

    const success = { status: 'success', result: { reservationId: 'rsv-1', sagaId: 'saga-1' } };
    expect(nest.outcomes()).toEqual([success, success, success]);
    expect(nest.app.get(InventoryController).reserved).toEqual(['saga-1:reserve-inventory']);
    await nest.close();
  });

  it('keeps the kit error mapping: a refusal is a failure, a TechnicalError an error with its code, any other throw INTERNAL', async () => {
    const nest = await applicationWith([InventoryController], ['inventory']);
    await nest.app.startAllMicroservices();

    await nest.send(
      'inventory',
      inventoryCommand('inventory.release', { action: 'compensate' }),
      inventoryCommand('inventory.audit'),
      inventoryCommand('inventory.crash'),
    );

    expect(nest.outcomes()).toEqual([
      { status: 'failure', code: 'NOTHING_TO_RELEASE', message: 'no reservation to release' },
      {
        status: 'error',
        code: 'WAREHOUSE_OFFLINE',
        message: 'the warehouse does not answer',
        retryable: true,
      },
      { status: 'error', code: 'INTERNAL', message: 'inventory could not handle inventory.crash' },
    ]);
    await nest.close();
  });

  it('answers with the last value of a method that returns an Observable', async () => {
    const nest = await applicationWith([InventoryController], ['inventory']);
    await nest.app.startAllMicroservices();

    await nest.send('inventory', inventoryCommand('inventory.count'));

    expect(nest.outcomes()).toEqual([{ status: 'success', result: { counted: 2 } }]);
    await nest.close();
  });

  it('dead-letters a malformed command and answers the next one', async () => {
    const nest = await applicationWith([InventoryController], ['inventory']);
    await nest.app.startAllMicroservices();

    await nest.send('inventory', '{not json', commandFor());

    expect(nest.deadLetters('inventory')).toEqual(['invalid command: (root): not valid JSON']);
    expect(nest.outcomes()).toHaveLength(1);
    await nest.close();
  });

  it('gives each participant of one application only the handlers bound to it', async () => {
    const nest = await applicationWith(
      [InventoryController, ShippingController],
      ['inventory', 'shipping'],
    );
    await nest.app.startAllMicroservices();

    await nest.send(
      'shipping',
      commandFor({ participant: 'shipping', commandType: 'shipping.schedule' }),
      commandFor({ participant: 'shipping', commandType: 'inventory.reserve', stepId: 'other' }),
    );

    expect(nest.outcomes()).toEqual([
      { status: 'success', result: { shipmentId: 'shp-saga-1' } },
      {
        status: 'error',
        code: 'UNKNOWN_COMMAND',
        message: 'shipping has no handler for inventory.reserve',
        retryable: false,
      },
    ]);
    expect(nest.app.get(InventoryController).reserved).toEqual([]);
    await nest.close();
  });

  it('stops consuming once the application is closed', async () => {
    const nest = await applicationWith([InventoryController], ['inventory']);
    await nest.app.startAllMicroservices();
    await nest.app.close();

    await nest.send('inventory', commandFor());

    expect(nest.outcomes()).toEqual([]);
    expect(nest.app.get(InventoryController).reserved).toEqual([]);
    await nest.transport.close();
  });

  it('leaves a plain @EventPattern to other transports, and will not start without a @SagaCommand', async () => {
    @Controller()
    class PlainController {
      @EventPattern('inventory.reserve')
      reserve(_command: CommandMessage) {
        throw new BusinessRefusal('OUT_OF_STOCK');
      }
    }
    const nest = await applicationWith([PlainController], ['inventory']);

    await expect(nest.app.startAllMicroservices()).rejects.toThrow(
      'inventory has no @SagaCommand handler',
    );
    await nest.close();
  });

  it('finds the @SagaCommand of a pattern a plain @EventPattern of another transport also names, in either order', async () => {
    @Controller()
    class PlainController {
      @EventPattern('inventory.reserve')
      reserve(_command: CommandMessage) {
        throw new BusinessRefusal('NOT_THIS_ONE');
      }
    }
    for (const controllers of [
      [PlainController, InventoryController],
      [InventoryController, PlainController],
    ]) {
      const nest = await applicationWith(controllers, ['inventory']);
      await nest.app.startAllMicroservices();
      await nest.send('inventory', commandFor());
      expect(nest.outcomes()).toEqual([
        { status: 'success', result: { reservationId: 'rsv-1', sagaId: 'saga-1' } },
      ]);
      await nest.close();
    }
  });

  it('will not start with two @SagaCommand methods for one command', async () => {
    @Controller()
    class TwiceController {
      @SagaCommand('inventory.reserve', { participant: 'inventory' })
      reserve() {
        return { again: true };
      }
    }
    const nest = await applicationWith([InventoryController, TwiceController], ['inventory']);
    await expect(nest.app.startAllMicroservices()).rejects.toThrow(
      'inventory: two methods handle inventory.reserve',
    );
    await nest.close();
  });

  it('answers what its pipes and guards refuse with a failure, not an error retried for ever', async () => {
    const strictPayload: PipeTransform = {
      transform: () => {
        throw new BadRequestException(['quantity must be a positive number']);
      },
    };
    const noOne: CanActivate = { canActivate: () => false };
    @Controller()
    class GuardedController {
      @SagaCommand('inventory.reserve', { participant: 'inventory' })
      @UsePipes(strictPayload)
      reserve(@Payload() command: CommandMessage) {
        return { reserved: command.sagaId };
      }

      @SagaCommand('inventory.release', { participant: 'inventory' })
      @UseGuards(noOne)
      release() {
        return { released: true };
      }

      // A rate limit met by the method's body passes: a technical error, retried.
      @SagaCommand('inventory.count', { participant: 'inventory' })
      count() {
        throw new HttpException('rate limited for tok_4111', HttpStatus.TOO_MANY_REQUESTS);
      }
    }
    const nest = await applicationWith([GuardedController], ['inventory']);
    await nest.app.startAllMicroservices();
    await nest.send(
      'inventory',
      commandFor(),
      inventoryCommand('inventory.release'),
      inventoryCommand('inventory.count'),
    );
    expect(nest.outcomes()).toEqual([
      {
        status: 'failure',
        code: 'INVALID_PAYLOAD',
        message: 'the payload failed the handler’s validation',
        details: { problems: ['quantity must be a positive number'] },
      },
      {
        status: 'failure',
        code: 'FORBIDDEN',
        message: 'a guard of the handler refused the command',
      },
      { status: 'error', code: 'INTERNAL', message: 'inventory could not handle inventory.count' },
    ]);
    await nest.close();
  });
});
