import {
  ForbiddenException,
  Injectable,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ACCEPTED_BODY_TYPES, JSON_BODY_TYPES } from './accepted-body-types.js';
import { hasBody } from './json-body.guard.js';

/** The methods that change state. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a refusal of a foreign origin adds, for the caller to understand it. */
const OPEN_MODE = 'with no authentication, this coordinator takes changes from its own origin only';

/**
 * Refuses a state-changing request (POST, PUT, PATCH, DELETE) that a web page of another site
 * could have made the operator's browser send:
 *
 * - without `Content-Type: application/json` (or a type the route declares with `@AcceptsBody`):
 *   415. A page sends a form, `text/plain` or nothing cross-site without asking; JSON only after
 *   a CORS preflight, which this server never grants. When `open`, even a change with no body;
 *   else only one with a body: a page cannot add the credentials, so a change without a body
 *   needs no type to be safe, and callers' scripts that send none keep working.
 * - when `open` (no authentication: the embedded mode, where nothing else stops a page from
 *   acting for whoever runs it), one sent cross-site (`Sec-Fetch-Site: cross-site`) or from an
 *   `Origin` whose host is not the request's `Host`: 403 saying which. Clients that are not
 *   browsers (curl, sagactl) send neither header.
 */
@Injectable()
export class CrossSiteRequestGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly open: boolean,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!STATE_CHANGING.has(request.method)) return true;
    if (this.open) refuseForeignOrigin(request);
    else if (!hasBody(request)) return true;
    const accepted =
      this.reflector.getAllAndOverride<readonly string[] | undefined>(ACCEPTED_BODY_TYPES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? JSON_BODY_TYPES;
    const type = mediaTypeOf(request.headers['content-type']);
    if (!accepted.includes(type)) {
      const carried = type === '' ? 'it has none' : `not ${type}`;
      throw new UnsupportedMediaTypeException(
        `a ${request.method} must carry Content-Type: ${accepted.join(' or ')}, even with no ` +
          `body (${carried})`,
      );
    }
    return true;
  }
}

/** The media type of a Content-Type header, lower case, without its parameters; '' for none. */
function mediaTypeOf(header: string | undefined): string {
  return (header?.split(';')[0] ?? '').trim().toLowerCase();
}

function refuseForeignOrigin(request: Request): void {
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new ForbiddenException(
      `refused: the browser says it was sent cross-site (Sec-Fetch-Site); ${OPEN_MODE}`,
    );
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  const from = hostOf(origin);
  if (from === undefined || host === undefined || from !== hostOf(origin, host)) {
    throw new ForbiddenException(
      `refused: sent from ${from ?? 'an opaque origin'} (Origin), not from this server ` +
        `(${host ?? 'no Host'}); ${OPEN_MODE}`,
    );
  }
}

/**
 * The host (with a port other than the scheme's own) of `origin`, or, given `host`, of that
 * host under the origin's scheme: the two compare alike whatever their case and default port.
 * Undefined for an opaque origin (`null`) or one that is not a URL.
 */
function hostOf(origin: string, host?: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.host === '') return undefined;
    return host === undefined ? url.host : new URL(`${url.protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}
