import { MetadataScanner, Reflector } from '@nestjs/core';
import type { CommandHandler, CommandHandlers } from './command-handler.js';
import { SAGA_COMMAND_METADATA } from './saga-command.decorator.js';

/**
 * The `@SagaCommand` methods of `instance` by command type, bound to it, as plain handlers:
 * to call a controller's handlers in a test, or to run it with startParticipantRuntime without
 * Nest (then no pipe, guard, interceptor or filter applies). Throws when a type has two methods.
 */
export function commandHandlersOf(instance: object): CommandHandlers {
  const handlers: Record<string, CommandHandler> = {};
  const methods = instance as Record<string, CommandHandler>;
  const reflector = new Reflector();
  for (const name of new MetadataScanner().getAllMethodNames(Object.getPrototypeOf(instance))) {
    const method = methods[name]!;
    const commandType: unknown = reflector.get(SAGA_COMMAND_METADATA, method);
    if (typeof commandType !== 'string') continue;
    if (handlers[commandType] !== undefined) {
      throw new Error(`two @SagaCommand methods handle ${commandType}`);
    }
    handlers[commandType] = method.bind(instance);
  }
  return handlers;
}
