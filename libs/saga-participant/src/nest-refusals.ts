import { HttpException, HttpStatus } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { BusinessRefusal } from './business-refusal.js';

/** What Nest's RPC layer throws when a guard returns false (`FORBIDDEN_MESSAGE` of @nestjs/core). */
const GUARD_REFUSAL = 'Forbidden resource';

/**
 * The 4xx statuses that say the command itself is refused, the same on every retry: what a
 * pipe (400, 422) or a guard (401, 403) says no to. Others, thrown from the method's body or a
 * client it calls, may pass (408, 409, 425, 429): they stay technical errors, retried.
 */
const FINAL_STATUSES: ReadonlySet<number> = new Set([
  HttpStatus.BAD_REQUEST,
  HttpStatus.UNAUTHORIZED,
  HttpStatus.FORBIDDEN,
  HttpStatus.NOT_FOUND,
  HttpStatus.UNPROCESSABLE_ENTITY,
]);

/**
 * The refusal a `@SagaCommand` method's pipes and guards mean, or undefined for any other throw:
 * a pipe's 400 or 422 (a `ValidationPipe` that rejects the payload) is the contract's `failure`
 * `INVALID_PAYLOAD`; a 401, 403 or 404, and a guard that says no, a `failure` coded after it.
 * Each would fail the same way on every retry, so it is no technical `error`: the coordinator
 * would retry it for ever after the pivot. Messages are the kit's own, or the pipe's property
 * problems, never the exception's message (it may quote the payload).
 */
export function refusalOfNest(error: unknown): BusinessRefusal | undefined {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (!FINAL_STATUSES.has(status)) return undefined;
    if (
      status === Number(HttpStatus.BAD_REQUEST) ||
      status === Number(HttpStatus.UNPROCESSABLE_ENTITY)
    ) {
      const problems = problemsOf(error.getResponse());
      return new BusinessRefusal(
        'INVALID_PAYLOAD',
        'the payload failed the handler’s validation',
        problems === undefined ? undefined : { problems },
      );
    }
    const code = HttpStatus[status] ?? `HTTP_${status}`;
    return new BusinessRefusal(code, `the handler refused the command (${status} ${code})`);
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
