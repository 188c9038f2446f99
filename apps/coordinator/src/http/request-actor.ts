import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidRequestException } from './problem.js';

/** The actor recorded when a request names none. */
export const ANONYMOUS_ACTOR = 'anonymous';
/** The header that names the actor until authentication replaces it (see issue 9). */
export const ACTOR_HEADER = 'x-actor';

const PRINTABLE_ACTOR = /^[\x20-\x7E]{1,100}$/;

/**
 * Who performs an operator action. For now the `x-actor` header (1 to 100 printable ASCII
 * characters), else `anonymous`; once requests are authenticated, the principal replaces the
 * header here and nowhere else, and the header is no longer trusted.
 */
export function resolveActor(header: string | string[] | undefined): string {
  if (header === undefined) return ANONYMOUS_ACTOR;
  if (typeof header === 'string' && PRINTABLE_ACTOR.test(header) && header.trim() !== '') {
    return header;
  }
  throw new InvalidRequestException([
    { field: ACTOR_HEADER, message: 'must be 1 to 100 printable ASCII characters' },
  ]);
}

/** Route parameter decorator giving the request's actor (see {@link resolveActor}). */
export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  resolveActor(context.switchToHttp().getRequest<Request>().headers[ACTOR_HEADER]),
);
