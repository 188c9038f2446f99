import { applyDecorators, SetMetadata, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { OriginalErrorFilter } from './original-error.filter.js';
import { sagaParticipantTransport } from './saga-participant-transport.js';

/** Where `@SagaCommand` records its command type on the method (read by commandHandlersOf). */
export const SAGA_COMMAND_METADATA = 'saga-participant:command';

/**
 * The pattern extra that marks a handler as declared with `@SagaCommand`: the
 * SagaParticipantServer refuses to start with a handler that lacks it.
 */
export const SAGA_COMMAND_EXTRA = 'sagaCommand';

/** What `@SagaCommand` takes besides the command type. */
export interface SagaCommandOptions {
  /**
   * The participant whose SagaParticipantServer runs this handler. Required: bound to its
   * server's transport id, the handler reaches no other transport of the application (an
   * unbound pattern would be registered on each, e.g. a Kafka server would subscribe to a topic
   * named after the command type).
   */
  readonly participant: string;
}

/**
 * Marks a controller method as the handler of one command type, e.g.
 * `@SagaCommand('inventory.reserve') reserve(@Payload() command, @Ctx() context)`: an
 * `@EventPattern` that a SagaParticipantServer runs under the kit's rules (validation, once per
 * key, the reply, dead letters). What the method throws reaches the kit unchanged, so a
 * BusinessRefusal answers `failure` and a TechnicalError an `error` with its code. The method
 * follows the CommandHandler contract and returns a value or a promise (an Observable is
 * awaited to its last value).
 */
export function SagaCommand(commandType: string, options: SagaCommandOptions): MethodDecorator {
  const extras: Record<string, unknown> = { [SAGA_COMMAND_EXTRA]: true };
  return applyDecorators(
    EventPattern<string>(commandType, sagaParticipantTransport(options.participant), extras),
    UseFilters(new OriginalErrorFilter()),
    SetMetadata(SAGA_COMMAND_METADATA, commandType),
  );
}
