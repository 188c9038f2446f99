import { SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { InvalidRequestException } from './problem.js';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.js';

/** Metadata key of a route that reads its query string (through `@Query({ schema })`). */
const TAKES_QUERY = 'coordinator:takes-query';

/**
 * Marks a route that reads its query string, which its `@Query({ schema })` then checks (a
 * strict schema refuses unknown fields). Every other route of the API refuses any query field.
 */
export const TakesQuery = () => SetMetadata(TAKES_QUERY, true);

/**
 * Refuses, with a 400 naming each, the query fields of a request to an API route that reads
 * none: `POST /bulk-operations?dryRun=true` must not act for real, nor `cancel?reason=…` cancel
 * without the reason. Public routes (health, metrics, the console's files) hold no data and are
 * left alone.
 */
export class KnownQueryGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, targets);
    if (access?.kind === 'public') return true;
    if (this.reflector.getAllAndOverride<boolean | undefined>(TAKES_QUERY, targets)) return true;
    const fields = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
    if (fields.length === 0) return true;
    throw new InvalidRequestException(fields.map((field) => ({ field, message: 'unknown field' })));
  }
}
