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
   * The participant whose SagaParticipantServer runs this handler (default: every one in the
   * application, like an unbound `@EventPattern`). Name it when one application hosts several.
   */
  readonly participant?: string;
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
export function SagaCommand(
  commandType: string,
  options: SagaCommandOptions = {},
): MethodDecorator {
  const { participant } = options;
  const transport = participant === undefined ? undefined : sagaParticipantTransport(participant);
  return applyDecorators(
    EventPattern(commandType, transport, { [SAGA_COMMAND_EXTRA]: true }),
    UseFilters(new OriginalErrorFilter()),
    SetMetadata(SAGA_COMMAND_METADATA, commandType),
  );
}
