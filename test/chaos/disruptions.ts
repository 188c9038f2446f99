// The order of a chaos run's disruptions: coordinator kills, broker restarts and sweeps that
// terminate the run's database backends (test/support/database-sessions.ts), over the load.

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
