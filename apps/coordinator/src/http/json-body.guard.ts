import {
  Injectable,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { exceedsDepth, MAX_JSON_DEPTH } from './http-limits.js';
import { InvalidRequestException } from './problem.js';

/**
 * Refuses a request body that is not `application/json` (415), so a form or a text body can
 * never reach a handler, whatever parsers the platform registers; and a JSON body nested
 * deeper than {@link MAX_JSON_DEPTH} (400 on `body`). With no authentication, a change with no
 * body at all must still say `application/json`: CrossSiteRequestGuard, app-wide, sees to that.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!hasBody(request)) return true;
    if (request.is('application/json') === false) {
      throw new UnsupportedMediaTypeException('the body must be application/json');
    }
    if (exceedsDepth(request.body, MAX_JSON_DEPTH)) {
      const message = `nested deeper than ${MAX_JSON_DEPTH} levels`;
      throw new InvalidRequestException([{ field: 'body', message }]);
    }
    return true;
  }
}

/** The request carries body bytes (chunked, or a non-zero length). */
export function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}
