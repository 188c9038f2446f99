import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands whatever a `@SagaCommand` method threw back to the SagaParticipantServer unchanged.
 * Nest's default RPC exception layer would log it and replace it with `{ status: 'error',
 * message: 'Internal server error' }`, so a BusinessRefusal or a TechnicalError would reach the
 * kit as an anonymous error. Bound on the method, it is chosen before any class or global filter.
 */
@Catch()
export class OriginalErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
