import {
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Res,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
  UsePipes,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  definitionJsonSchema,
  documentOf,
  readDefinitionText,
  summarizeDefinition,
  type DefinitionDocument,
  type DefinitionProblem,
  type DefinitionSummary,
} from '#definitions';
import type { AnySagaDefinition, SagaRegistry } from '#saga-core';
import { SAGA_REGISTRY } from '../common/core-tokens.js';
import {
  PostgresDefinitionStore,
  type DefinitionLogEntry,
} from '../definitions/definition-store.postgres.js';
import {
  DefinitionConflictError,
  DefinitionNotFoundError,
  DefinitionRefusedError,
  RegisteredDefinitions,
  TopicsUnavailableError,
  type RouteRequest,
} from '../definitions/registered-definitions.js';
import type { VersionRoute } from '../definitions/version-routes.js';
import { AcceptsBody } from './accepted-body-types.js';
import { ApiProblems } from './api-problems.decorator.js';
import { InvalidRequestException } from './problem.js';
import { exceedsDepth } from './http-limits.js';
import { RequestActor } from './request-actor.js';
import { retireBodySchema, routeBodySchema } from './request-schemas.js';
import { PublicRoute, RequireRole } from './route-access.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

/** The media types of a definition document in a request body. */
export const DEFINITION_YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** A definition as `GET /saga-definitions` lists it: what it does, and how starts reach it. */
export interface DefinitionListing extends DefinitionSummary {
  /** The version starts that name none get (but for a ramp's share). */
  readonly active: boolean;
  /** No new saga may start with it (its sagas that started before end on it). */
  readonly retired: boolean;
}

/** A definition as `GET /saga-definitions/:name/versions/:version` shows it. */
export interface DefinitionView extends DefinitionListing {
  /** The document it was compiled from, as registered (documents only). */
  readonly document?: DefinitionDocument;
}

/** How a saga type's new starts are routed, and the last changes to its definitions. */
export interface RoutingView {
  readonly name: string;
  /** Undefined: the type has no route, its latest version serves the starts that name none. */
  readonly route?: VersionRoute;
  readonly log: readonly DefinitionLogEntry[];
}

const LOG_LINES = 50;

/** The `:version` of a path, a whole number (else a 400 naming `version`). */
const VersionParam = () =>
  Param(
    'version',
    new ParseIntPipe({
      exceptionFactory: () =>
        new InvalidRequestException([{ field: 'version', message: 'must be a whole number' }]),
    }),
  );

/**
 * The saga definitions this coordinator runs: the built-in ones, those of
 * `SAGA_DEFINITIONS_DIR`, and those registered here (every instance serves them); the routes
 * between their versions; and the JSON Schema of a definition document for editors.
 */
@ApiTags('saga definitions')
@Controller('saga-definitions')
@UsePipes(SchemaValidationPipe)
export class SagaDefinitionsController {
  constructor(
    @Inject(SAGA_REGISTRY) private readonly registry: SagaRegistry,
    @Inject(RegisteredDefinitions) private readonly definitions: RegisteredDefinitions,
    @Inject(PostgresDefinitionStore) private readonly store: PostgresDefinitionStore,
  ) {}

  @Get()
  @RequireRole('read')
  @ApiOperation({ summary: 'Every saga type and version this coordinator runs, with its steps' })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'array', items: { type: 'object' } } })
  list(): DefinitionListing[] {
    return this.registry.list().map((definition) => this.listing(definition));
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
  get(@Param('name') name: string, @VersionParam() version: number): DefinitionView {
    const definition = this.registry.get(name, version);
    if (definition === undefined) {
      throw new NotFoundException(`no saga definition "${name}" version ${version}`);
    }
    const document = documentOf(definition);
    return { ...this.listing(definition), ...(document === undefined ? {} : { document }) };
  }

  private listing(definition: AnySagaDefinition): DefinitionListing {
    const { name, version } = definition;
    return {
      ...summarizeDefinition(definition),
      active: this.definitions.activeVersion(name) === version,
      retired: this.definitions.isRetired(name, version),
    };
  }

  @Post(':name/versions/:version/retire')
  @HttpCode(HttpStatus.OK)
  @RequireRole('define')
  @ApiOperation({
    summary: 'Retire a version: no new saga may start with it',
    description:
      'Refused (409) while the route sends starts to it (active, or ramping above 0%) or sagas ' +
      'of it have not ended (running, compensating or stuck). Every instance refuses new ' +
      'starts of it within DEFINITIONS_POLL_MS.',
  })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  @ApiProblems(400, 401, 403, 404, 409, 415, 429)
  async retire(
    @Param('name') name: string,
    @VersionParam() version: number,
    @Body({ schema: retireBodySchema }) body: { reason: string },
    @RequestActor() actor: string,
  ): Promise<DefinitionView> {
    try {
      await this.definitions.retire(name, version, actor, body.reason);
    } catch (error) {
      throw definitionProblem(error);
    }
    return this.get(name, version);
  }

  @Put(':name/versions/:version')
  @RequireRole('define')
  @ApiOperation({
    summary:
      'Register a definition document (JSON or YAML): 201 registered, 200 the same document was',
    description:
      'A version never changes: another document under a registered version is a 409. Every ' +
      'instance serves the new version within DEFINITIONS_POLL_MS; the first version of a type ' +
      'becomes its active one, a later one serves only the starts that name it until ' +
      '`PUT /saga-definitions/:name/routing` activates or ramps it.',
  })
  @AcceptsBody('application/json', ...DEFINITION_YAML_TYPES)
  @ApiBody({ schema: { type: 'object' } })
  @ApiResponse({ status: HttpStatus.CREATED, schema: { type: 'object' } })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  @ApiProblems(400, 401, 403, 409, 413, 415, 429, 503)
  async register(
    @Param('name') name: string,
    @VersionParam() version: number,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @RequestActor() actor: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DefinitionSummary> {
    const raw = documentIn(contentType, body);
    try {
      const outcome = await this.definitions.register(name, version, raw, actor);
      response.status(outcome === 'created' ? HttpStatus.CREATED : HttpStatus.OK);
    } catch (error) {
      throw definitionProblem(error);
    }
    return summarizeDefinition(this.registry.get(name, version)!);
  }

  @Get(':name/routing')
  @RequireRole('read')
  @ApiOperation({
    summary: 'How new starts of a saga type are routed between its versions, and its log',
  })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  @ApiProblems(401, 403, 404)
  async routing(@Param('name') name: string): Promise<RoutingView> {
    try {
      await this.definitions.refreshKnowing(name);
    } catch (error) {
      throw definitionProblem(error);
    }
    const route = this.definitions.routeOf(name);
    return {
      name,
      ...(route === undefined ? {} : { route }),
      log: await this.store.log(name, LOG_LINES),
    };
  }

  @Put(':name/routing')
  @RequireRole('define')
  @ApiOperation({
    summary: 'Activate a version, or ramp one up to a share of the new starts',
    description:
      'Starts that name no version go to `active`, but for `ramp.percent` percent of them, ' +
      'chosen by a stable hash of the idempotency key, that go to `ramp.version`. A ramp whose ' +
      'version compensates or gets stuck more often than the active one (RAMP_FALLBACK_*) is ' +
      'dropped to 0% on its own. Sagas finish on the version they started with.',
  })
  @ApiResponse({ status: HttpStatus.OK, schema: { type: 'object' } })
  @ApiProblems(400, 401, 403, 404, 409, 415, 429)
  async route(
    @Param('name') name: string,
    @Body({ schema: routeBodySchema }) body: RouteRequest & { reason: string },
    @RequestActor() actor: string,
  ): Promise<VersionRoute> {
    try {
      const { reason, ...request } = body;
      return await this.definitions.setRoute(name, request, actor, reason);
    } catch (error) {
      throw definitionProblem(error);
    }
  }
}

/**
 * The deepest a definition document may nest (its input schema nests two levels per object):
 * deeper, copying or comparing it could overflow the stack.
 */
const MAX_DEFINITION_DEPTH = 64;

/** The document a request carries: a JSON body as parsed, a YAML one read here. */
function documentIn(contentType: string | undefined, body: unknown): unknown {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  let document: unknown;
  if (type === 'application/json') document = body;
  else if (DEFINITION_YAML_TYPES.includes(type) && typeof body === 'string') {
    const read = readDefinitionText(body);
    if (!read.ok) throw refused(read.problems);
    document = read.value;
  } else {
    throw new UnsupportedMediaTypeException(
      `the body must be a definition document: application/json or ${DEFINITION_YAML_TYPES[0]}`,
    );
  }
  if (exceedsDepth(document, MAX_DEFINITION_DEPTH)) {
    const message = `nested deeper than ${MAX_DEFINITION_DEPTH} levels`;
    throw new InvalidRequestException([{ field: 'body', message }]);
  }
  return document;
}

function definitionProblem(error: unknown): unknown {
  if (error instanceof DefinitionRefusedError) return refused(error.problems);
  if (error instanceof DefinitionConflictError) return new ConflictException(error.message);
  if (error instanceof DefinitionNotFoundError) return new NotFoundException(error.message);
  if (error instanceof TopicsUnavailableError) {
    return new ServiceUnavailableException(error.message);
  }
  return error;
}

function refused(problems: readonly DefinitionProblem[]): InvalidRequestException {
  return new InvalidRequestException(
    problems.map((problem) => ({ field: problem.path, message: problem.message })),
  );
}
