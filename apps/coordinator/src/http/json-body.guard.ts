import {
  Injectable,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';

/**
 * Refuses a request body that is not `application/json` (415), so a form or a text body can
 * never reach a handler, whatever parsers the platform registers.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!hasBody(request) || request.is('application/json') !== false) return true;
    throw new UnsupportedMediaTypeException('the body must be application/json');
  }
}

/** The request carries body bytes (chunked, or a non-zero length). */
function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}
