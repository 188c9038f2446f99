import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  definitionJsonSchema,
  documentOf,
  summarizeDefinition,
  type DefinitionDocument,
  type DefinitionSummary,
} from '#definitions';
import type { SagaRegistry } from '#saga-core';
import { SAGA_REGISTRY } from '../common/core-tokens.js';
import { ApiProblems } from './api-problems.decorator.js';
import { PublicRoute, RequireRole } from './route-access.js';

/** A definition as `GET /saga-definitions/:name/versions/:version` shows it. */
export interface DefinitionView extends DefinitionSummary {
  /** The document it was compiled from, as registered (documents only). */
  readonly document?: DefinitionDocument;
}

/**
 * The saga definitions this coordinator runs: the built-in ones and those of
 * `SAGA_DEFINITIONS_DIR`, with the JSON Schema of a definition document for editors.
 */
@ApiTags('saga definitions')
@Controller('saga-definitions')
export class SagaDefinitionsController {
  constructor(@Inject(SAGA_REGISTRY) private readonly registry: SagaRegistry) {}

  @Get()
  @RequireRole('read')
  @ApiOperation({ summary: 'Every saga type and version this coordinator runs, with its steps' })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'array', items: { type: 'object' } } })
  list(): DefinitionSummary[] {
    return this.registry.list().map(summarizeDefinition);
  }

  @Get('schema')
  @PublicRoute()
  @ApiOperation({
    summary: 'The JSON Schema of a saga definition document (for editors: validation, completion)',
    security: [],
  })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  schema(): Record<string, unknown> {
    return definitionJsonSchema();
  }

  @Get(':name/versions/:version')
  @RequireRole('read')
  @ApiOperation({ summary: 'One saga definition: its steps, and its document when it has one' })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  @ApiProblems(400, 404)
  get(
    @Param('name') name: string,
    @Param('version', new ParseIntPipe({ errorHttpStatusCode: HttpStatus.BAD_REQUEST }))
    version: number,
  ): DefinitionView {
    const definition = this.registry.get(name, version);
    if (definition === undefined) {
      throw new NotFoundException(`no saga definition "${name}" version ${version}`);
    }
    const document = documentOf(definition);
    return { ...summarizeDefinition(definition), ...(document === undefined ? {} : { document }) };
  }
}
