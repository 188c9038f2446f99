import { Controller, Get, HttpStatus, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AsyncApiDocument } from '#contracts';
import type { SagaRegistry } from '#saga-core';
import { SAGA_REGISTRY } from '../common/core-tokens.js';
import { PublicRoute } from '../http/route-access.js';
import { asyncApiFor } from './coordinator-asyncapi.js';

/**
 * `GET /asyncapi.json`: the AsyncAPI 3 document of the Kafka wire contract, with the start
 * request's `input` of every saga this instance runs (built in: the committed
 * `docs/asyncapi.json`; plus those of `SAGA_DEFINITIONS_DIR` and those registered over the API).
 * Open like the OpenAPI pages: it describes, it holds no data.
 */
@ApiTags('contract')
@PublicRoute()
@Controller()
export class AsyncApiController {
  /** Built again when a definition joins the registry (definitions are only ever added). */
  private built: { readonly definitions: number; readonly document: AsyncApiDocument } | undefined;

  constructor(@Inject(SAGA_REGISTRY) private readonly registry: SagaRegistry) {}

  @Get('asyncapi.json')
  @ApiOperation({
    summary: 'The AsyncAPI 3.0 document of the Kafka wire contract (topics, messages, headers)',
    // Open to anyone: no credential is asked for, whatever the document-wide requirements say.
    security: [],
  })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'The document; with the built-in sagas only, as committed in docs/asyncapi.json',
    schema: { type: 'object' },
  })
  document(): AsyncApiDocument {
    const definitions = this.registry.list();
    if (this.built?.definitions !== definitions.length) {
      this.built = { definitions: definitions.length, document: asyncApiFor(definitions) };
    }
    return this.built.document;
  }
}
