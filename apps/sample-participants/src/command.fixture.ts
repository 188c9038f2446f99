// Commands for the sample participants' unit tests.
import type { CommandMessage, JsonValue } from '#contracts';
import { commandFor } from '../../../libs/saga-participant/src/command.fixture.js';
import { commandHandlersOf } from '#saga-participant';
import type { SampleService } from './sample-service.js';

export { commandFor };

/** Calls a service's handler for `commandType` with `payload`, as its participant would. */
export async function call(
  service: SampleService,
  commandType: string,
  payload: JsonValue,
  overrides: Partial<CommandMessage> = {},
): Promise<JsonValue> {
  const handler = commandHandlersOf(service)[commandType];
  if (handler === undefined) throw new Error(`${service.participant} has no ${commandType}`);
  return handler(
    commandFor({ participant: service.participant, commandType, payload, ...overrides }),
    { transaction: undefined, onRollback: () => undefined },
  );
}
