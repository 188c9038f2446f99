import type { NestExpressApplication } from '@nestjs/platform-express';
import { BODY_LIMIT_BYTES } from './http-limits.js';
import { setupOpenApi } from './openapi.js';
import { ProblemFilter } from './problem.filter.js';

/**
 * Sets up the HTTP side of the app before it listens: JSON bodies up to {@link BODY_LIMIT_BYTES}
 * (larger: 413), the `Problem` answer for every error, and OpenAPI at `/docs`.
 */
export function configureHttp(app: NestExpressApplication): void {
  // Registered before init, so Nest skips its default 100 kB JSON parser.
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.useGlobalFilters(new ProblemFilter());
  setupOpenApi(app);
}
