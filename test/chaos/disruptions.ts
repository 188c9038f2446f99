// The disruptions of a chaos run besides the coordinator kills: broker restarts and sweeps that
// terminate the run's database backends, spread over the load.
import type { DataSource } from 'typeorm';

/** One disruption: a coordinator SIGKILL, a broker restart, a database backend sweep. */
export type Disruption = 'kill' | 'broker' | 'database';

/**
 * The order of a run's disruptions: the kills, with the broker restarts and the database sweeps
 * spread evenly among them (a broker restart never first, so the load is under way).
 */
export function disruptionPlan(kills: number, brokers: number, sweeps: number): Disruption[] {
  const plan: Disruption[] = Array.from({ length: kills }, () => 'kill');
  const insertSpread = (kind: Disruption, count: number) => {
    for (let i = 0; i < count; i++) {
      const at = Math.floor(((i + 1) * (plan.length + 1)) / (count + 1));
      plan.splice(at, 0, kind);
    }
  };
  insertSpread('database', sweeps);
  insertSpread('broker', brokers);
  return plan;
}

/** `url` with `application_name` set, so a run's connections can be told from the others. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

/** Terminates every backend whose application name is `name`; resolves with how many. */
export async function terminateBackends(db: DataSource, name: string): Promise<number> {
  const rows = await db.query<{ terminated: boolean }[]>(
    `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
     WHERE application_name = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
  return rows.filter((row) => row.terminated).length;
}
