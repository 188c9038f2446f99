import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where the OpenAPI UI is served; the JSON document is at the same path plus `-json`. */
export const OPENAPI_PATH = 'docs';

/** Serves the API's OpenAPI document at `/docs` (UI) and `/docs-json`, built on first request. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Saga coordinator')
    .setDescription(
      'Starts long business transactions across services and shows where they stand. ' +
        'Every error answer has the Problem body; a bad field is named in `problems`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api-key')
    .build();
  SwaggerModule.setup(OPENAPI_PATH, app, () => SwaggerModule.createDocument(app, config));
}
