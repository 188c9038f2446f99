import type { Database, SqlRunner } from '#postgres';
import { enqueueOutbox, type OutboxRow } from '../persistence/saga-rows.js';
import type { VersionRoute } from './version-routes.js';

/** A registered definition document, with its place in the order of registration. */
export interface StoredDefinition {
  readonly seq: string;
  readonly name: string;
  readonly version: number;
  readonly document: unknown;
}

/** What registering a document did: stored it, found the same one, or found another. */
export type RegisterOutcome = 'created' | 'same' | 'conflict';

/** A line of a saga type's definition log: a registration or a change of its route. */
export interface DefinitionLogEntry {
  readonly at: string;
  readonly name: string;
  readonly version: number | null;
  readonly action: string;
  readonly actor: string;
  readonly detail: string;
}

/** How the sagas of one version started since a time have gone (for the ramp's fall-back). */
export interface VersionOutcomes {
  readonly version: number;
  /** Completed, compensated or stuck. */
  readonly ended: number;
  /** Compensated or stuck. */
  readonly failed: number;
}

/** What the definitions' tables hold, as one snapshot (see PostgresDefinitionStore.snapshot). */
export interface DefinitionsSnapshot {
  readonly definitions: readonly StoredDefinition[];
  readonly routes: readonly VersionRoute[];
  /** The retired versions, by versionKey. */
  readonly retired: ReadonlySet<string>;
}

/** A change of a saga type's route, recorded in its log with who made it and why. */
export interface RouteChange {
  /** The new route; a ramp without `since` starts now (the database's clock). */
  readonly route: {
    readonly name: string;
    readonly active: number;
    readonly ramp?: { readonly version: number; readonly percent: number; readonly since?: string };
  };
  /** The revision replaced; 0 when the type has no route yet. */
  readonly replaces: number;
  readonly action: string;
  readonly actor: string;
  readonly detail: string;
  /** A message to send about the change, written to the outbox with it. */
  readonly event?: OutboxRow;
}

/**
 * The registered definitions, the routes between their versions and their log, in Postgres
 * (tables of migration RegisteredDefinitions1765100000000).
 */
export class PostgresDefinitionStore {
  constructor(private readonly database: Database) {}

  /**
   * Stores `document` as (name, version) and logs it, unless that version is registered: then
   * says whether the stored document is the same (compared as JSON values). A type without a
   * route gets one, in the same transaction, with `active` as its active version: no instance
   * ever sees the new version without the route that keeps it from new starts.
   */
  register(
    name: string,
    version: number,
    document: unknown,
    actor: string,
    active: number,
  ): Promise<RegisterOutcome> {
    return this.database.transaction(async (sql) => {
      // One registration at a time: `seq` then grows in the order of the commits, so a reader
      // that has seen a seq has seen every one below it.
      await sql.query(`SELECT pg_advisory_xact_lock($1)`, [REGISTRATION_LOCK]);
      const json = JSON.stringify(document);
      const inserted = await sql.query(
        `INSERT INTO saga_definitions (name, version, document, registered_by)
         VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (name, version) DO NOTHING RETURNING seq`,
        [name, version, json, actor],
      );
      if (inserted.length === 0) {
        const [found] = await sql.query<{ same: boolean }>(
          `SELECT document = $3::jsonb AS same FROM saga_definitions WHERE name = $1 AND version = $2`,
          [name, version, json],
        );
        return found?.same ? 'same' : 'conflict';
      }
      await appendLog(sql, { name, version, action: 'registered', actor, detail: '' });
      const routed = await sql.query(
        `INSERT INTO saga_routes (name, active_version, revision) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, active],
      );
      if (routed.length > 0) {
        const detail = active === version ? 'the first version' : `version ${active} stays active`;
        await appendLog(sql, { name, version: active, action: 'activated', actor, detail });
      }
      return 'created';
    });
  }

  /**
   * The definitions registered after `seq` (a StoredDefinition's), in the order they were,
   * every route and the retired versions, read in one statement: one snapshot, so a new
   * version is never seen without the route that came with it.
   */
  async snapshot(seq: string): Promise<DefinitionsSnapshot> {
    const [row] = await this.database.query<{
      definitions: StoredDefinition[];
      routes: RouteRow[];
      retired: { name: string; version: number }[];
    }>(
      `SELECT
         (SELECT coalesce(json_agg(d ORDER BY d.seq::bigint), '[]') FROM (
            SELECT seq::text AS seq, name, version, document FROM saga_definitions
            WHERE seq > $1::bigint) d) AS definitions,
         (SELECT coalesce(json_agg(r), '[]') FROM saga_routes r) AS routes,
         (SELECT coalesce(json_agg(json_build_object('name', name, 'version', version)), '[]')
            FROM saga_retired_versions) AS retired`,
      [seq],
    );
    return {
      definitions: row!.definitions,
      routes: row!.routes.map(routeOf),
      retired: new Set(row!.retired.map((r) => versionKey(r.name, r.version))),
    };
  }

  /** The route of `name`, as stored now. */
  async route(name: string): Promise<VersionRoute | undefined> {
    const rows = await this.database.query<RouteRow>(`SELECT * FROM saga_routes WHERE name = $1`, [
      name,
    ]);
    return rows[0] === undefined ? undefined : routeOf(rows[0]);
  }

  /**
   * Replaces a route if it is still at revision `change.replaces` (0: none yet), logs the
   * change and enqueues its event; false when another change came first, `retired` when it
   * would send starts to a retired version, else the ids of the outbox rows written. The
   * type's lock (typeLock) keeps a retirement from slipping in between, route or none.
   */
  changeRoute(change: RouteChange): Promise<false | 'retired' | string[]> {
    const { route, replaces } = change;
    return this.database.transaction(async (sql) => {
      await typeLock(sql, route.name);
      const serving =
        route.ramp === undefined || route.ramp.percent === 0 ? [] : [route.ramp.version];
      const [retired] = await sql.query(
        `SELECT 1 FROM saga_retired_versions WHERE name = $1 AND version = ANY($2::int[])`,
        [route.name, [route.active, ...serving]],
      );
      if (retired !== undefined) return 'retired';
      const values = [
        route.name,
        route.active,
        route.ramp?.version ?? null,
        route.ramp?.percent ?? 0,
        route.ramp?.since ?? null,
        replaces + 1,
      ];
      // A new ramp starts now, on the database's clock: the one its sagas' created_at use.
      const since = `CASE WHEN $3::int IS NULL THEN NULL ELSE coalesce($5::timestamptz, now()) END`;
      const changed =
        replaces === 0
          ? await sql.query(
              `INSERT INTO saga_routes (name, active_version, ramp_version, ramp_percent, ramp_since, revision)
               VALUES ($1, $2, $3, $4, ${since}, $6) ON CONFLICT (name) DO NOTHING RETURNING name`,
              values,
            )
          : await sql.query(
              `UPDATE saga_routes SET active_version = $2, ramp_version = $3, ramp_percent = $4,
                 ramp_since = ${since}, revision = $6, changed_at = now()
               WHERE name = $1 AND revision = $7 RETURNING name`,
              [...values, replaces],
            );
      if (changed.length === 0) return false;
      await appendLog(sql, {
        name: route.name,
        version: route.ramp?.version ?? route.active,
        action: change.action,
        actor: change.actor,
        detail: change.detail,
      });
      return enqueueOutbox(sql, change.event === undefined ? [] : [change.event]);
    });
  }

  /**
   * Retires (name, version) and logs it, unless its route still sends starts to it or sagas of
   * it have not ended (running, compensating or stuck): then says why. The route is locked
   * meanwhile, so no route change slips in between.
   */
  retire(
    name: string,
    version: number,
    actor: string,
    reason: string,
  ): Promise<string | 'retired'> {
    return this.database.transaction(async (sql) => {
      await typeLock(sql, name);
      const [route] = await sql.query<{
        active_version: number;
        ramp_version: number | null;
        ramp_percent: string;
      }>(
        `SELECT active_version, ramp_version, ramp_percent FROM saga_routes WHERE name = $1 FOR UPDATE`,
        [name],
      );
      if (route?.active_version === version)
        return `version ${version} is the active version of "${name}": activate another first`;
      if (route?.ramp_version === version && Number(route.ramp_percent) > 0)
        return `version ${version} of "${name}" is ramping: set its ramp to 0 first`;
      const [flight] = await sql.query<{ count: string }>(
        `SELECT count(*) AS count FROM sagas WHERE saga_type = $1 AND saga_version = $2
           AND status IN ('running', 'compensating', 'stuck')`,
        [name, version],
      );
      const count = Number(flight?.count ?? 0);
      if (count > 0)
        return `${count} saga(s) of version ${version} of "${name}" have not ended yet`;
      await sql.query(
        `INSERT INTO saga_retired_versions (name, version) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [name, version],
      );
      // A route change checked against the versions before this one must not commit after it.
      await sql.query(`UPDATE saga_routes SET revision = revision + 1 WHERE name = $1`, [name]);
      await appendLog(sql, { name, version, action: 'retired', actor, detail: reason });
      return 'retired';
    });
  }

  /** How the sagas of `versions` of `name` started since `since` have ended so far. */
  async outcomesSince(
    name: string,
    versions: readonly number[],
    since: string,
  ): Promise<VersionOutcomes[]> {
    const rows = await this.database.query<{ version: number; ended: string; failed: string }>(
      `SELECT saga_version AS version,
         count(*) FILTER (WHERE status IN ('completed', 'compensated', 'stuck')) AS ended,
         count(*) FILTER (WHERE status IN ('compensated', 'stuck')) AS failed
       FROM sagas WHERE saga_type = $1 AND created_at >= $2 AND saga_version = ANY($3::int[])
       GROUP BY saga_version`,
      [name, since, versions],
    );
    return rows.map((row) => ({
      version: row.version,
      ended: Number(row.ended),
      failed: Number(row.failed),
    }));
  }

  /** The last `limit` lines of `name`'s definition log, newest first. */
  async log(name: string, limit: number): Promise<DefinitionLogEntry[]> {
    const rows = await this.database.query<Omit<DefinitionLogEntry, 'at'> & { at: Date }>(
      `SELECT at, name, version, action, actor, detail FROM saga_definition_log
       WHERE name = $1 ORDER BY id DESC LIMIT $2`,
      [name, limit],
    );
    return rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
  }
}

async function appendLog(sql: SqlRunner, entry: Omit<DefinitionLogEntry, 'at'>): Promise<void> {
  await sql.query(
    `INSERT INTO saga_definition_log (name, version, action, actor, detail)
     VALUES ($1, $2, $3, $4, $5)`,
    [entry.name, entry.version, entry.action, entry.actor, entry.detail],
  );
}

/** How a (name, version) is keyed in sets. */
export function versionKey(name: string, version: number): string {
  return `${name}@${version}`;
}

/** First key of the advisory lock of one saga type's route and retirements (the name: second). */
const TYPE_LOCK_NAMESPACE = 7_004;

/**
 * Serialises the route changes and retirements of one saga type: a type with no route has no
 * row to lock, and a route change must see a retirement that commits before it.
 */
async function typeLock(sql: SqlRunner, name: string): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [TYPE_LOCK_NAMESPACE, name]);
}

/** The advisory lock key of registrations (an arbitrary constant of this table's own). */
const REGISTRATION_LOCK = 7_365_100;

/** A row of saga_routes, as a query or json_agg gives it. */
interface RouteRow {
  name: string;
  active_version: number;
  ramp_version: number | null;
  ramp_percent: string | number;
  ramp_since: Date | string | null;
  revision: string | number;
}

function routeOf(row: RouteRow): VersionRoute {
  return {
    name: row.name,
    active: row.active_version,
    ...(row.ramp_version === null
      ? {}
      : {
          ramp: {
            version: row.ramp_version,
            percent: Number(row.ramp_percent),
            since: new Date(row.ramp_since!).toISOString(),
          },
        }),
    revision: Number(row.revision),
  };
}
