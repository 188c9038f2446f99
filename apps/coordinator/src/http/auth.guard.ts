import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuthenticationError } from '../security/authentication-error.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Principal } from '../security/principal.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.js';

/** What the guard needs: who the caller is, and how often each client may call. */
export interface HttpSecurity {
  readonly authenticator: Authenticator;
  readonly rateLimiter: RateLimiter;
}

/** A request the guard let through carries its principal. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * Guards every route of the app. Closed by default: a route must declare `@RequireRole(role)`
 * or `@PublicRoute()`, else it is refused (403). Then: credentials (401 with
 * `WWW-Authenticate`), the client's rate limit (429 with `Retry-After`; failed logins spend
 * the caller address's budget), and the role (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly security: HttpSecurity,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (access === undefined) throw new ForbiddenException('this route declares no access rule');
    if (access.kind === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const principal = await this.authenticate(request, response);
    this.spend(principal.client, response);
    if (!principal.roles.has(access.role)) {
      throw new ForbiddenException(`the '${access.role}' role is required`);
    }
    request.principal = principal;
    return true;
  }

  private async authenticate(request: Request, response: Response): Promise<Principal> {
    try {
      return await this.security.authenticator.authenticate(request.headers);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      this.spend(`address:${request.socket.remoteAddress ?? 'unknown'}`, response);
      response.setHeader('WWW-Authenticate', 'Bearer, ApiKey');
      throw new UnauthorizedException(error.message);
    }
  }

  private spend(client: string, response: Response): void {
    const decision = this.security.rateLimiter.take(client);
    if (decision.allowed) return;
    response.setHeader('Retry-After', String(decision.retryAfterSec));
    throw new HttpException('rate limit exceeded: retry later', HttpStatus.TOO_MANY_REQUESTS);
  }
}
