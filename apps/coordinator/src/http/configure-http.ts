import type { NestExpressApplication } from '@nestjs/platform-express';
import { BODY_LIMIT_BYTES } from './http-limits.js';
import { DEFINITION_YAML_TYPES } from './saga-definitions.controller.js';
import { setupOpenApi } from './openapi.js';
import { ProblemFilter } from './problem.filter.js';

/**
 * Sets up the HTTP side of the app before it listens: JSON bodies up to {@link BODY_LIMIT_BYTES}
 * (larger: 413), YAML definition documents as text (read by their route), the `Problem` answer for every error, and OpenAPI at `/docs`.
 * No `ETag` (Express hashes every body for it, a 202 or a 400 too, and no client of this API
 * sends `If-None-Match`), no `X-Powered-By` (it tells a caller what the server runs on), and
 * `Cache-Control: no-store` unless a route says otherwise.
 */
export function configureHttp(app: NestExpressApplication): void {
  app.set('etag', false);
  app.disable('x-powered-by');
  // No answer is kept by a browser or a proxy: a saga's page may hold sensitive fields in clear
  // (a `read-sensitive` caller's), which must not outlive the session on disk; the console's
  // own files say otherwise (ConsoleController).
  app.use(
    (
      _request: unknown,
      response: { setHeader(name: string, value: string): void },
      next: () => void,
    ) => {
      response.setHeader('Cache-Control', 'no-store');
      next();
    },
  );
  // Registered before init, so Nest skips its default 100 kB JSON parser.
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  // Definition documents may come as YAML (PUT /saga-definitions/...); no other route takes text.
  // Up to the JSON limit: a larger document gets its 400 (naming the limit) from the reader.
  app.useBodyParser('text', { type: DEFINITION_YAML_TYPES, limit: BODY_LIMIT_BYTES });
  app.useGlobalFilters(new ProblemFilter());
  setupOpenApi(app);
}
