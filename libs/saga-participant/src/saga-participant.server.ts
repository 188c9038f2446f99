import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { JsonValue } from '#contracts';
import type { CommandHandler, CommandHandlers } from './command-handler.js';
import {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from './participant-runtime.js';
import { SAGA_COMMAND_EXTRA } from './saga-command.decorator.js';
import { SagaCommandContext } from './saga-command-context.js';
import { refusalOfNest } from './nest-refusals.js';
import { sagaParticipantTransport } from './saga-participant-transport.js';

/** What a SagaParticipantServer takes: the runtime's options, handlers aside (Nest finds them). */
export interface SagaParticipantServerOptions extends Omit<ParticipantRuntimeOptions, 'handlers'> {
  /** Wraps the handlers found before the runtime starts (fault injection; default: as they are). */
  readonly wrapHandlers?: (handlers: CommandHandlers) => CommandHandlers;
}

/**
 * A Nest transport for one saga participant, over the kit's own consumer:
 * `app.connectMicroservice({ strategy: new SagaParticipantServer({ participant, consumer,
 * publisher, ... }) })`. Its handlers are the `@SagaCommand` methods of the application's
 * controllers (those bound to another participant excepted); it runs them with
 * startParticipantRuntime, so commands are checked, dead-lettered when malformed, handled once
 * per idempotency key in the store's transaction, answered on their reply-to topic, and
 * committed after that. Nest's own Kafka transport is not used: see docs/PARTICIPANTS.md.
 */
export class SagaParticipantServer extends Server implements CustomTransportStrategy {
  /** `sagaParticipantTransport(participant)`: Nest gives this server only the handlers bound to it, or to none. */
  override readonly transportId: symbol;
  /** A handler's failure goes to the kit, which answers it; Nest need not report it. */
  override readonly propagatesEventHandlerErrors = true;
  private starting: Promise<ParticipantRuntime> | undefined;
  private runtime: ParticipantRuntime | undefined;

  constructor(private readonly options: SagaParticipantServerOptions) {
    super();
    this.transportId = sagaParticipantTransport(options.participant);
  }

  /**
   * Starts the participant with the handlers Nest registered; calls back once its consumer has
   * joined the group, or with the error (no handler, a handler not declared with @SagaCommand,
   * two for one type, a consumer that cannot start).
   */
  listen(callback: (error?: unknown) => void): void {
    this.starting ??= this.start();
    this.starting.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Finishes the batch in hand (its replies included), then leaves the group. Idempotent. Stops
   * the consumer first: a start still waiting to join (broker down, topic missing) ends with it.
   */
  async close(): Promise<void> {
    await this.options.consumer.stop();
    await this.starting?.catch(() => undefined);
  }

  /** The running participant (its command topic); throws before `listen` has succeeded. */
  unwrap<T = ParticipantRuntime>(): T {
    if (this.runtime === undefined) {
      throw new Error(`${this.options.participant} is not listening`);
    }
    return this.runtime as T;
  }

  /** There are no transport events to listen to: the consumer reports through the kit's logger. */
  on(): never {
    throw new Error(`${this.options.participant}: a SagaParticipantServer emits no events`);
  }

  private async start(): Promise<ParticipantRuntime> {
    const { wrapHandlers, ...options } = this.options;
    const found = this.commandHandlers();
    const handlers = wrapHandlers?.(found) ?? found;
    this.runtime = await startParticipantRuntime({ ...options, handlers });
    return this.runtime;
  }

  private commandHandlers(): CommandHandlers {
    const handlers: Record<string, CommandHandler> = {};
    for (const [commandType, first] of this.getHandlers()) {
      // Unbound patterns reach every transport of the application: those not declared with
      // @SagaCommand belong to another one (a @SagaCommand is always bound to its server). Nest
      // chains the methods of one pattern (`next`), in the order it found them: a plain
      // @EventPattern of the same name may come first.
      const ours: MessageHandler[] = [];
      for (let handler: MessageHandler | undefined = first; handler; handler = handler.next) {
        if (handler.extras?.[SAGA_COMMAND_EXTRA] === true) ours.push(handler);
      }
      if (ours.length > 1) {
        throw new Error(`${this.options.participant}: two methods handle ${commandType}`);
      }
      const handler = ours[0];
      if (handler === undefined) continue;
      // Nest runs a handler's `next` with it and joins their results: in this server, whose
      // map holds its own copies of the handlers, the others are another transport's.
      handler.next = undefined;
      handlers[commandType] = this.asCommandHandler(handler);
    }
    if (Object.keys(handlers).length === 0) {
      throw new Error(
        `${this.options.participant} has no @SagaCommand handler: is its controller in the module, bound to this participant?`,
      );
    }
    return handlers;
  }

  /** The Nest handler of `commandType` (pipes, guards, interceptors included) as a kit handler. */
  private asCommandHandler(handler: MessageHandler): CommandHandler {
    return async (command, context) => {
      try {
        const result: unknown = await handler(command, new SagaCommandContext([command, context]));
        // A rejection or a failed stream carries the method's own error (OriginalErrorFilter).
        return (await lastValueFrom(this.transformToObservable(result), {
          defaultValue: undefined,
        })) as JsonValue;
      } catch (error) {
        throw refusalOfNest(error) ?? error;
      }
    };
  }
}
