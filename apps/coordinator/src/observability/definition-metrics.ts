import { Counter, type Registry } from 'prom-client';

/** Counts the ramps the RampGuard rolled back, by saga type and the version that was ramping. */
export function rampRollbackCounter(registry: Registry): Counter<'saga_type' | 'version'> {
  return new Counter({
    name: 'saga_ramp_rollbacks_total',
    help: 'Ramps of a new saga version rolled back to 0% because it failed more than the active one.',
    labelNames: ['saga_type', 'version'],
    registers: [registry],
  });
}
