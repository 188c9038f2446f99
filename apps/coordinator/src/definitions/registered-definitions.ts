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
import { nextRun } from '../common/next-run.js';
import { Listeners } from '../common/listeners.js';
import { RepeatingRound } from '../common/repeating-round.js';
import {
  versionKey,
  type PostgresDefinitionStore,
  type RegisterOutcome,
} from './definition-store.postgres.js';
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

/** No such saga type, or version (HTTP 404). */
export class DefinitionNotFoundError extends Error {
  override readonly name = 'DefinitionNotFoundError';
}

/** The participants' topics could not be created: nothing was registered (HTTP 503). */
export class TopicsUnavailableError extends Error {
  override readonly name = 'TopicsUnavailableError';
}

/** What a route change asks for: the active version, and optionally a ramping one. */
export interface RouteRequest {
  readonly active: number;
  readonly ramp?: { readonly version: number; readonly percent: number };
  /** Only if the route is still at this revision (as read; 0: none yet), else a conflict. */
  readonly revision?: number;
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
  private retiredVersions = new Set<string>();
  private polling: RepeatingRound | undefined;
  /** A read of what is stored that begins after the call (see catchUp). */
  private readonly nextRead = nextRun(() => this.read());
  private readonly adopted = new Listeners<void>();

  constructor(
    private readonly store: PostgresDefinitionStore,
    private readonly registry: SagaRegistry,
    private readonly options: RegisteredDefinitionsOptions,
  ) {}

  /**
   * Loads what is stored, then keeps reading every `pollMs` until `stop` (a failing read is
   * logged once until one succeeds).
   */
  async start(): Promise<void> {
    await this.catchUp();
    let failing = false;
    this.polling = new RepeatingRound(this.options.pollMs, async () => {
      try {
        await this.catchUp();
        if (failing) this.logger.log('the registered definitions are read again');
        failing = false;
      } catch (error) {
        if (!failing) {
          this.logger.warn(
            `could not read the registered definitions (trying on): ${describeError(error)}`,
          );
        }
        failing = true;
      }
    });
  }

  async stop(): Promise<void> {
    await this.polling?.stop();
    this.polling = undefined;
  }

  /**
   * Reads the definitions registered since the last read, and every route, in a read that
   * begins after the call (one under way may have begun before what the caller looks for was
   * stored). Reads run one after another, so an older read never overwrites a newer one; callers
   * that come while a read waits for its turn share it, so a flood of unknown names, or of
   * requests while the database is slow, costs one read at a time.
   */
  catchUp(): Promise<void> {
    return this.nextRead();
  }

  /** Calls `listener` after each read that added a definition to the registry. */
  onAdopted(listener: () => void): void {
    this.adopted.subscribe(listener);
  }

  private async read(): Promise<void> {
    const snapshot = await this.store.snapshot(this.lastSeq);
    // Applied at once, with no await between: a start never sees half of a snapshot.
    let added = false;
    for (const stored of snapshot.definitions) {
      added = this.adopt(stored.name, stored.version, stored.document) || added;
      this.lastSeq = stored.seq;
    }
    this.routesByName = new Map(snapshot.routes.map((route) => [route.name, route]));
    this.retiredVersions = new Set(snapshot.retired);
    if (added) this.adopted.emit();
  }

  /** Whether no new saga may start with (name, version). */
  isRetired(name: string, version: number): boolean {
    return this.retiredVersions.has(versionKey(name, version));
  }

  /**
   * Retires a version: no new saga may start with it, on every instance within `pollMs`; its
   * sagas that started before end on it. Refused (DefinitionConflictError) while the route
   * sends starts to it or sagas of it have not ended.
   */
  async retire(name: string, version: number, actor: string, reason: string): Promise<void> {
    await this.refreshKnowing(name, version);
    if (!this.routesByName.has(name) && this.registry.latest(name)?.version === version) {
      throw new DefinitionConflictError(
        `version ${version} is the latest of "${name}", which has no route: starts that name no version get it; give the type a route to another version first`,
      );
    }
    const outcome = await this.store.retire(name, version, actor, reason);
    if (outcome !== 'retired') throw new DefinitionConflictError(outcome);
    await this.catchUp();
  }

  /**
   * The version a start of `name` without one gets, or undefined for the latest. A routed
   * version this instance cannot run (its document does not compile here) falls back to the
   * active one.
   */
  versionFor(name: string, idempotencyKey: string): number | undefined {
    const route = this.routesByName.get(name);
    if (route === undefined) return undefined;
    const version = routeStart(route, idempotencyKey);
    return this.registry.get(name, version) === undefined ? route.active : version;
  }

  /** The version starts of `name` that name none get, but for a ramp's share. */
  activeVersion(name: string): number | undefined {
    return this.routesByName.get(name)?.active ?? this.registry.latest(name)?.version;
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
    // Another instance may have registered this version since the last poll: read what is
    // stored before creating topics for a document that the store would then refuse (409).
    if (this.registry.get(name, version) === undefined) await this.catchUp();
    const known = this.registry.get(name, version);
    if (known !== undefined) {
      if (isDeepStrictEqual(documentOf(known), document)) return 'same';
      throw this.conflict(name, version);
    }
    const previous = this.registry.latest(name)?.version;
    try {
      await this.options.createParticipantTopics([
        ...new Set(definition.steps.map((s) => s.participant)),
      ]);
    } catch (error) {
      // The cause may name brokers: the log has it, the answer does not.
      this.logger.warn(
        `creating the topics of "${name}" v${version} failed: ${describeError(error)}`,
      );
      throw new TopicsUnavailableError(
        `the participants' topics could not be created, nothing was registered: try again`,
      );
    }
    const outcome = await this.store.register(name, version, document, actor, previous ?? version);
    if (outcome === 'conflict') throw this.conflict(name, version);
    if (this.registry.get(name, version) === undefined) {
      this.registry.register(definition);
      this.adopted.emit();
    }
    await this.catchUp();
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
    await this.refreshKnowing(name);
    const problems: DefinitionProblem[] = [];
    const unusable = (version: number) =>
      this.registry.get(name, version) === undefined
        ? `version ${version} of "${name}" is not registered`
        : this.isRetired(name, version)
          ? `version ${version} of "${name}" is retired`
          : undefined;
    const active = unusable(request.active);
    if (active !== undefined) problems.push({ path: 'active', message: active });
    if (request.ramp !== undefined) {
      const ramp = unusable(request.ramp.version);
      if (ramp !== undefined) problems.push({ path: 'ramp.version', message: ramp });
      else if (request.ramp.version === request.active)
        problems.push({ path: 'ramp.version', message: 'must differ from the active version' });
    }
    if (problems.length > 0) throw new DefinitionRefusedError(problems);
    const current = await this.store.route(name);
    if (request.revision !== undefined && request.revision !== (current?.revision ?? 0)) {
      throw new DefinitionConflictError(
        `the route of "${name}" is at revision ${current?.revision ?? 0}, not ${request.revision}: read it again`,
      );
    }
    const ramp =
      request.ramp === undefined || request.ramp.percent === 0 ? undefined : request.ramp;
    // The same ramp, widened or narrowed, keeps its start: its outcomes still count. A new one
    // starts now.
    const since =
      ramp !== undefined && current?.ramp?.version === ramp.version && current.ramp.percent > 0
        ? current.ramp.since
        : undefined;
    const route = {
      name,
      active: request.active,
      ...(ramp === undefined
        ? {}
        : { ramp: { ...ramp, ...(since === undefined ? {} : { since }) } }),
    };
    const changed = await this.store.changeRoute({
      route,
      replaces: current?.revision ?? 0,
      action: ramp === undefined ? 'activated' : 'ramped',
      actor,
      detail: reason,
    });
    if (changed === false)
      throw new DefinitionConflictError(
        `the route of "${name}" changed meanwhile; read it and try again`,
      );
    if (changed === 'retired')
      throw new DefinitionConflictError(
        `a version the route of "${name}" names was retired meanwhile; read it and try again`,
      );
    await this.catchUp();
    return this.routesByName.get(name)!;
  }

  /**
   * Reads what is stored (a version registered on another instance a moment ago counts), then
   * throws DefinitionNotFoundError unless `name` (at `version`, when given) is registered.
   */
  async refreshKnowing(name: string, version?: number): Promise<void> {
    await this.catchUp();
    const known =
      version === undefined ? this.registry.latest(name) : this.registry.get(name, version);
    if (known === undefined) {
      const which = version === undefined ? '' : ` version ${version}`;
      throw new DefinitionNotFoundError(`no saga definition "${name}"${which}`);
    }
  }

  /** Adds a stored definition to the registry, unless it is there already; true if it added it. */
  private adopt(name: string, version: number, document: unknown): boolean {
    const known = this.registry.get(name, version);
    if (known !== undefined) {
      if (!isDeepStrictEqual(documentOf(known), document)) {
        this.logger.error(
          `saga "${name}" version ${version} is registered with a document that differs from the built-in one; the built-in one runs here`,
        );
      }
      return false;
    }
    const compiled = compileDefinition(document);
    if (!compiled.ok) {
      // Stored by an instance whose rules were looser: never fatal, but loud.
      this.logger.error(
        `saga "${name}" version ${version} is registered but does not compile here: ${compiled.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
      return false;
    }
    this.registry.register(compiled.definition);
    this.logger.log(`saga "${name}" version ${version} registered`);
    return true;
  }

  private conflict(name: string, version: number): DefinitionConflictError {
    return new DefinitionConflictError(
      `saga "${name}" version ${version} is registered with another document; a version never changes: register a new one`,
    );
  }
}
