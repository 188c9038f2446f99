import { BaseRpcContext } from '@nestjs/microservices';
import type { CommandMessage } from '#contracts';
import type { HandlerContext } from './idempotency-store.js';

/**
 * What a `@SagaCommand` method gets with `@Ctx()`: the kit's HandlerContext (the transaction its
 * writes belong in, `onRollback`) and the command, so a method typed `(command, context:
 * HandlerContext)` runs the same under Nest and when called directly.
 */
export class SagaCommandContext
  extends BaseRpcContext<[CommandMessage, HandlerContext]>
  implements HandlerContext
{
  /** The transaction that also stores the command's outcome (undefined with an in-memory store). */
  get transaction(): HandlerContext['transaction'] {
    return this.args[1].transaction;
  }

  /** Registers how to undo a change made outside the transaction, should it not commit. */
  get onRollback(): HandlerContext['onRollback'] {
    return this.args[1].onRollback;
  }

  /** The command being handled (the same value as `@Payload()`). */
  getCommand(): CommandMessage {
    return this.args[0];
  }
}
