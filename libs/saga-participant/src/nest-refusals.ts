import { HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { BusinessRefusal } from './business-refusal.js';

/** What Nest's RPC layer throws when a guard returns false (`FORBIDDEN_MESSAGE` of @nestjs/core). */
const GUARD_REFUSAL = 'Forbidden resource';

/**
 * The refusal a `@SagaCommand` method's pipes and guards mean, or undefined for any other throw:
 * a pipe's 400 (a `ValidationPipe` that rejects the payload) is the contract's `failure`
 * `INVALID_PAYLOAD`; another 4xx, and a guard that says no, a `failure` coded after it. Each
 * would fail the same way on every retry, so it is no technical `error`: the coordinator would
 * retry it for ever after the pivot. Messages are Nest's own or the pipe's property problems,
 * never the payload's values.
 */
export function refusalOfNest(error: unknown): BusinessRefusal | undefined {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === Number(HttpStatus.BAD_REQUEST)) {
      const problems = problemsOf(error.getResponse());
      return new BusinessRefusal(
        'INVALID_PAYLOAD',
        'the payload failed the handler’s validation',
        problems === undefined ? undefined : { problems },
      );
    }
    if (status >= 400 && status < 500) {
      return new BusinessRefusal(HttpStatus[status] ?? `HTTP_${status}`, error.message);
    }
    return undefined;
  }
  if (error instanceof RpcException && error.message === GUARD_REFUSAL) {
    return new BusinessRefusal('FORBIDDEN', 'a guard of the handler refused the command');
  }
  return undefined;
}

/** The problems a ValidationPipe lists (`message: string[]`), at most 20 of 200 characters. */
function problemsOf(response: string | object): string[] | undefined {
  if (typeof response !== 'object') return undefined;
  const message = (response as { message?: unknown }).message;
  if (!Array.isArray(message)) return undefined;
  return message
    .filter((item): item is string => typeof item === 'string')
    .slice(0, 20)
    .map((item) => item.slice(0, 200));
}
