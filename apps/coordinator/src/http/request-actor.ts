import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../security/principal.js';
import type { AuthenticatedRequest } from './auth.guard.js';

/**
 * The principal the AuthGuard authenticated. Throws when the route was not guarded by a role:
 * a handler that needs a caller must never run without one.
 */
export function principalOf(request: AuthenticatedRequest): Principal {
  if (request.principal === undefined) throw new Error('no authenticated principal on this route');
  return request.principal;
}

/** Route parameter decorator: the authenticated caller. */
export const RequestPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** Route parameter decorator: who performs an operator action, for the audit log. */
export const RequestActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    principalOf(context.switchToHttp().getRequest<AuthenticatedRequest>()).id,
);
