import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { BODY_LIMIT_BYTES } from './http-limits.js';
import { problemBodySchema } from './response-schemas.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'A bad field, each named in `problems`',
  404: 'No saga has that id',
  409: 'Not allowed in the saga’s current state, or the key was used with another input',
  413: `The body is over ${BODY_LIMIT_BYTES} bytes`,
  415: 'The body is not application/json',
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
