import {
  replyOutcomeSchema,
  type CommandMessage,
  type JsonValue,
  type ReplyOutcome,
} from '#contracts';
import { BusinessRefusal } from './business-refusal.js';
import { fittingMessage } from './fitting-message.js';
import type { HandlerContext } from './idempotency-store.js';
import { plainJsonResult } from './plain-json-result.js';
import { fitsReplyResult } from './reply-result.js';
import { TechnicalError } from './technical-error.js';

/**
 * Carries out one command and returns its result (JSON, folded into the saga's context). Throw a
 * BusinessRefusal to refuse it (its writes are undone: a refused step is never compensated);
 * anything else thrown is a technical error the coordinator retries.
 * A compensation must succeed when there is nothing to undo (`command.outcomeUnknown`). Writes
 * to the participant's database go through `context.transaction`, so they commit with the
 * stored outcome or not at all.
 */
export type CommandHandler = (
  command: CommandMessage,
  context: HandlerContext,
) => JsonValue | Promise<JsonValue>;

/** A participant's handlers by command type (compensation command types included). */
export type CommandHandlers = Readonly<Record<string, CommandHandler>>;

/**
 * Runs `handler` and turns what it returned or threw into a reply outcome: a BusinessRefusal
 * becomes `failure`, a TechnicalError an `error` with its code, message and retryability (its
 * message fitted to the contract when it is not: technicalErrorOutcome), any other throw an `error` coded `INTERNAL` whose message carries nothing
 * of the thrown value (`onCrash` gets it, for the logs). The result is sent as JSON.stringify
 * would write it (a Date as its ISO string, a class instance by its own fields: plainJsonResult;
 * nothing returned, `undefined`, as null);
 * one that is still not JSON (a BigInt, a cycle, too large) is an `error` coded `INVALID_RESULT`
 * that is not retried (the handler may have acted), and `onInvalidResult` gets why, without values.
 */
export async function runCommandHandler(
  handler: CommandHandler,
  command: CommandMessage,
  context: HandlerContext,
  onCrash: (error: unknown) => void,
  onInvalidResult: (reason: string) => void = () => undefined,
): Promise<ReplyOutcome> {
  let result: JsonValue;
  try {
    // A handler that returns nothing (a Nest method typed `void`, a compensation) answers null.
    result = (await handler(command, context)) ?? null;
  } catch (error) {
    if (error instanceof BusinessRefusal) return refusalOutcome(error);
    onCrash(error);
    if (error instanceof TechnicalError) return technicalErrorOutcome(error);
    return {
      status: 'error',
      code: 'INTERNAL',
      message: `${command.participant} could not handle ${command.commandType}`,
    };
  }
  // The path of nearly every command: checked without zod (the same rules, far cheaper).
  if (fitsReplyResult(result)) return { status: 'success', result };
  // A Date, a DTO, a field left undefined (the handler's type does not stop a Nest method's).
  const plain = plainJsonResult(result);
  if (plain.ok) return { status: 'success', result: plain.value };
  onInvalidResult(plain.reason);
  return {
    status: 'error',
    code: 'INVALID_RESULT',
    message: `${command.participant} answered ${command.commandType} with a result that is not JSON`,
    retryable: false,
  };
}

/** Code of a TechnicalError whose own code does not fit the contract. */
const UNFIT_TECHNICAL_CODE = 'TECHNICAL_ERROR';

/**
 * A TechnicalError's `error`: its retryability is always kept (a `retryable: false` lost would
 * have the coordinator retry, after the pivot without end), its message fitted to the contract
 * (fittingMessage) and its code kept when valid, TECHNICAL_ERROR otherwise.
 */
function technicalErrorOutcome(error: TechnicalError): ReplyOutcome {
  const retryable = typeof error.retryable === 'boolean' ? error.retryable : true;
  const outcome: ReplyOutcome = {
    status: 'error',
    code: error.code,
    message: error.message,
    retryable,
  };
  if (replyOutcomeSchema.safeParse(outcome).success) return outcome;
  const fitted: ReplyOutcome = { ...outcome, message: fittingMessage(error.message) };
  if (replyOutcomeSchema.safeParse(fitted).success) return fitted;
  return { ...fitted, code: UNFIT_TECHNICAL_CODE };
}

function refusalOutcome(refusal: BusinessRefusal): ReplyOutcome {
  const outcome: ReplyOutcome = {
    status: 'failure',
    code: refusal.code,
    message: refusal.message,
    ...(refusal.details === undefined ? {} : { details: refusal.details }),
  };
  if (replyOutcomeSchema.safeParse(outcome).success) return outcome;
  // A code or message over the contract's limits: keep the refusal, drop what does not fit.
  return { status: 'failure', code: 'REFUSED', message: 'the command was refused' };
}
