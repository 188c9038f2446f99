import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AsyncApiDocument } from '#contracts';
import { PublicRoute } from '../http/route-access.js';
import { coordinatorAsyncApi } from './coordinator-asyncapi.js';

/**
 * `GET /asyncapi.json`: the AsyncAPI 3 document of the Kafka wire contract, the same as the
 * committed `docs/asyncapi.json`. Open like the OpenAPI pages: it describes, it holds no data;
 * so it shows the inputs of the built-in sagas only (a registered definition's input schema is
 * shown by `GET /saga-definitions/:name/versions/:version`, to callers with `read`).
 */
@ApiTags('contract')
@PublicRoute()
@Controller()
export class AsyncApiController {
  @Get('asyncapi.json')
  @ApiOperation({
    summary: 'The AsyncAPI 3.0 document of the Kafka wire contract (topics, messages, headers)',
    // Open to anyone: no credential is asked for, whatever the document-wide requirements say.
    security: [],
  })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'The document, as committed in docs/asyncapi.json',
    schema: { type: 'object' },
  })
  document(): AsyncApiDocument {
    return coordinatorAsyncApi();
  }
}
