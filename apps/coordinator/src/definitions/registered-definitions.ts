import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@nestjs/common';
import {
  compileDefinition,
  documentOf,
  MAX_DEFINITION_BYTES,
  type DefinitionProblem,
} from '#definitions';
import { describeError } from '#errors';
import type { SagaRegistry } from '#saga-core';
import type { PostgresDefinitionStore, RegisterOutcome } from './definition-store.postgres.js';
import { routeStart, type VersionRoute } from './version-routes.js';

/** Why a registration or a route change was refused: the fields at fault (HTTP 400). */
export class DefinitionRefusedError extends Error {
  override readonly name = 'DefinitionRefusedError';
  constructor(readonly problems: readonly DefinitionProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** The version is registered with another document, or the route changed meanwhile (HTTP 409). */
export class DefinitionConflictError extends Error {
  override readonly name = 'DefinitionConflictError';
}

/** What a route change asks for: the active version, and optionally a ramping one. */
export interface RouteRequest {
  readonly active: number;
  readonly ramp?: { readonly version: number; readonly percent: number };
}

/** Settings of the registered definitions' upkeep. */
export interface RegisteredDefinitionsOptions {
  /** How often the definitions and routes others registered are read (ms). */
  readonly pollMs: number;
  /** Creates the command topics (and their dead-letter topics) of these participants. */
  readonly createParticipantTopics: (participants: readonly string[]) => Promise<void>;
}

/**
 * The saga definitions registered over the API, kept in step across instances: each instance
 * loads every stored definition at start-up (before its consumers), then reads the new ones and
 * the routes every `pollMs`, so a version registered on one instance is served by all within
 * that period. Registered versions join `registry`, beside the built-in ones; a version is
 * immutable. Routes say which version a start without one gets (see VersionRoute); a type
 * without a route starts its latest version.
 */
export class RegisteredDefinitions {
  private readonly logger = new Logger('SagaDefinitions');
  private lastSeq = '0';
  private routesByName = new Map<string, VersionRoute>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PostgresDefinitionStore,
    private readonly registry: SagaRegistry,
    private readonly options: RegisteredDefinitionsOptions,
  ) {}

  /** Loads what is stored, then keeps reading on every `pollMs` until `stop`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.logger.warn(`could not read the registered definitions: ${describeError(error)}`),
      );
    }, this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
  }

  /**
   * Reads the definitions registered since the last read, and every route. Reads run one after
   * another, so an older read never overwrites a newer one.
   */
  refresh(): Promise<void> {
    const read = this.reading.then(() => this.read());
    this.reading = read.catch(() => undefined);
    return read;
  }

  private async read(): Promise<void> {
    for (const stored of await this.store.definitionsAfter(this.lastSeq)) {
      this.adopt(stored.name, stored.version, stored.document);
      this.lastSeq = stored.seq;
    }
    this.routesByName = new Map((await this.store.routes()).map((route) => [route.name, route]));
  }

  /** The version a start of `name` without one gets, or undefined for the latest. */
  versionFor(name: string, idempotencyKey: string): number | undefined {
    const route = this.routesByName.get(name);
    return route === undefined ? undefined : routeStart(route, idempotencyKey);
  }

  /** Every route, by saga type. */
  routes(): VersionRoute[] {
    return [...this.routesByName.values()];
  }

  /** The route of `name`, if it has one. */
  routeOf(name: string): VersionRoute | undefined {
    return this.routesByName.get(name);
  }

  /**
   * Registers `raw` as version `version` of `name`: compiled first (every problem named by its
   * field), its participants' topics created, then stored. The same document again is
   * `same`; another document under a registered version throws DefinitionConflictError. The
   * first version of a type becomes its active one; a later one serves only the starts that
   * name it until a route change activates or ramps it.
   */
  async register(
    name: string,
    version: number,
    raw: unknown,
    actor: string,
  ): Promise<Exclude<RegisterOutcome, 'conflict'>> {
    const bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
    if (bytes > MAX_DEFINITION_BYTES) {
      throw new DefinitionRefusedError([
        { path: '(root)', message: `${bytes} bytes; at most ${MAX_DEFINITION_BYTES} are accepted` },
      ]);
    }
    const compiled = compileDefinition(raw);
    if (!compiled.ok) throw new DefinitionRefusedError(compiled.problems);
    const { definition } = compiled;
    const mismatch = [
      ...(definition.name === name
        ? []
        : [{ path: 'name', message: `must be "${name}", as in the URL` }]),
      ...(definition.version === version
        ? []
        : [{ path: 'version', message: `must be ${version}, as in the URL` }]),
    ];
    if (mismatch.length > 0) throw new DefinitionRefusedError(mismatch);
    const document = documentOf(definition);
    const known = this.registry.get(name, version);
    if (known !== undefined) {
      if (isDeepStrictEqual(documentOf(known), document)) return 'same';
      throw this.conflict(name, version);
    }
    const previous = this.registry.latest(name)?.version;
    await this.options.createParticipantTopics([
      ...new Set(definition.steps.map((s) => s.participant)),
    ]);
    const outcome = await this.store.register(name, version, document, actor, previous ?? version);
    if (outcome === 'conflict') throw this.conflict(name, version);
    await this.refresh();
    return outcome;
  }

  /**
   * Sets the route of `name`: `active` serves the starts that name no version, but for a share
   * of `ramp.percent` percent that `ramp.version` serves. Both versions must be registered.
   */
  async setRoute(
    name: string,
    request: RouteRequest,
    actor: string,
    reason: string,
  ): Promise<VersionRoute> {
    const problems: DefinitionProblem[] = [];
    if (this.registry.get(name, request.active) === undefined)
      problems.push({
        path: 'active',
        message: `version ${request.active} of "${name}" is not registered`,
      });
    if (request.ramp !== undefined) {
      if (this.registry.get(name, request.ramp.version) === undefined)
        problems.push({
          path: 'ramp.version',
          message: `version ${request.ramp.version} of "${name}" is not registered`,
        });
      else if (request.ramp.version === request.active)
        problems.push({ path: 'ramp.version', message: 'must differ from the active version' });
    }
    if (problems.length > 0) throw new DefinitionRefusedError(problems);
    const current = (await this.store.routes()).find((route) => route.name === name);
    const ramp =
      request.ramp === undefined || request.ramp.percent === 0 ? undefined : request.ramp;
    const since =
      ramp !== undefined && current?.ramp?.version === ramp.version && current.ramp.percent > 0
        ? current.ramp.since // the same ramp, widened or narrowed: its outcomes still count
        : new Date().toISOString();
    const route = {
      name,
      active: request.active,
      ...(ramp === undefined ? {} : { ramp: { ...ramp, since } }),
    };
    const changed = await this.store.changeRoute({
      route,
      replaces: current?.revision ?? 0,
      action: ramp === undefined ? 'activated' : 'ramped',
      actor,
      detail: reason,
    });
    if (!changed)
      throw new DefinitionConflictError(
        `the route of "${name}" changed meanwhile; read it and try again`,
      );
    await this.refresh();
    return this.routesByName.get(name)!;
  }

  /** Adds a stored definition to the registry, unless it is there already. */
  private adopt(name: string, version: number, document: unknown): void {
    const known = this.registry.get(name, version);
    if (known !== undefined) {
      if (!isDeepStrictEqual(documentOf(known), document)) {
        this.logger.error(
          `saga "${name}" version ${version} is registered with a document that differs from the built-in one; the built-in one runs here`,
        );
      }
      return;
    }
    const compiled = compileDefinition(document);
    if (!compiled.ok) {
      // Stored by an instance whose rules were looser: never fatal, but loud.
      this.logger.error(
        `saga "${name}" version ${version} is registered but does not compile here: ${compiled.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
      return;
    }
    this.registry.register(compiled.definition);
    this.logger.log(`saga "${name}" version ${version} registered`);
  }

  private conflict(name: string, version: number): DefinitionConflictError {
    return new DefinitionConflictError(
      `saga "${name}" version ${version} is registered with another document; a version never changes: register a new one`,
    );
  }
}
