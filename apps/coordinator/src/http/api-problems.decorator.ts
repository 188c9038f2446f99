import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { BODY_LIMIT_BYTES } from './http-limits.js';
import { problemBodySchema } from './response-schemas.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'A bad field, each named in `problems`',
  401: 'No credentials, or unknown, revoked or expired ones (`WWW-Authenticate` says which schemes)',
  403: 'The credentials lack the role this route requires, or the saga type is not allowed; with no authentication (the embedded mode), a change sent from another origin',
  404: 'No saga has that id',
  409: 'Not allowed in the saga’s current state, or the key was used with another input',
  413: `The body is over ${BODY_LIMIT_BYTES} bytes`,
  415: 'Not application/json: a body of another type, or a change (POST, PUT) without `Content-Type: application/json`, even with no body',
  429: 'The client is over its rate limit, or (a start) the coordinator has no room for another saga now: at its cap on sagas in flight, or behind on replies for longer than a start waits; `Retry-After` says how many seconds to wait',
  503: 'A service it needs (the database, the broker) is unavailable, or (a start) its key started a saga of a version this instance does not run yet, or (an operator action) the saga runs such a version; nothing was done, try again',
};

/** Documents the error answers a route may give, all with the `Problem` body. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        standardSchema: problemBodySchema,
      }),
    ),
  );
}
