// What the participants and the audit log must show once order sagas have ended, whatever
// crashed or ran twice on the way. Each check returns the violations it found, named, so a
// failing test says which saga broke which rule.
import type { Database } from '#postgres';
import type { LedgerEntry } from '../../apps/sample-participants/src/effect-ledger.js';
import type { StartedSaga } from './saga-load.js';

/** The order saga's steps as the participants see them (apps/coordinator/src/sagas/order.saga.ts). */
export const ORDER_STEPS = [
  { stepId: 'reserve-inventory', command: 'inventory.reserve', undo: 'inventory.release' },
  { stepId: 'authorize-payment', command: 'payment.authorize', undo: 'payment.void' },
  { stepId: 'capture-payment', command: 'payment.capture', undo: undefined },
  { stepId: 'schedule-shipping', command: 'shipping.schedule', undo: undefined },
  { stepId: 'notify-customer', command: 'notification.send', undo: undefined },
] as const;

/** An effect a participant applied, with the participant's name. */
export interface AppliedEffect extends LedgerEntry {
  readonly participant: string;
}

/** Every ledger entry of every participant. */
export function appliedEffects(
  ledgers: Readonly<Record<string, { readonly entries: readonly LedgerEntry[] }>>,
): AppliedEffect[] {
  return Object.entries(ledgers).flatMap(([participant, ledger]) =>
    ledger.entries.map((entry) => ({ ...entry, participant })),
  );
}

/** Effects applied more than once: the same idempotency key and command type twice. */
export function effectsAppliedTwice(effects: readonly AppliedEffect[]): string[] {
  const counts = new Map<string, number>();
  for (const effect of effects) {
    const key = `${effect.commandType} ${effect.idempotencyKey}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([, count]) => count > 1).map(([key, count]) => `${key} × ${count}`);
}

/**
 * Checks each ended saga against the effects: a completed saga has exactly one effect per step
 * (under the step's key) and nothing undone; a compensated one never passed the pivot (no
 * capture, shipment nor notification) and each compensatable step it applied was undone under
 * the compensation's key. An effect of a saga not listed, or a saga in another status, is
 * reported too.
 */
export function effectsAgainstOutcomes(
  sagas: readonly { id: string; status: string }[],
  effects: readonly AppliedEffect[],
): string[] {
  const violations: string[] = [];
  const bySaga = new Map<string, AppliedEffect[]>();
  for (const effect of effects) {
    const sagaId = effect.idempotencyKey.split(':')[0]!;
    bySaga.set(sagaId, [...(bySaga.get(sagaId) ?? []), effect]);
  }
  for (const saga of sagas) {
    const mine = bySaga.get(saga.id) ?? [];
    bySaga.delete(saga.id);
    const has = (commandType: string, key: string) =>
      mine.some((e) => e.commandType === commandType && e.idempotencyKey === key);
    const describe = () => mine.map((e) => e.commandType).join(', ') || 'none';
    if (saga.status === 'completed') {
      const missing = ORDER_STEPS.filter((s) => !has(s.command, `${saga.id}:${s.stepId}`));
      if (missing.length > 0 || mine.length !== ORDER_STEPS.length) {
        violations.push(
          `completed saga ${saga.id}: expected one effect per step, got ${describe()}`,
        );
      }
    } else if (saga.status === 'compensated') {
      for (const effect of mine) {
        const step = ORDER_STEPS.find((s) => effect.idempotencyKey === `${saga.id}:${s.stepId}`);
        const undone = ORDER_STEPS.find(
          (s) => effect.idempotencyKey === `${saga.id}:${s.stepId}:compensate`,
        );
        if (step && step.command !== effect.commandType) {
          violations.push(`saga ${saga.id}: ${effect.commandType} under ${step.stepId}'s key`);
        } else if (step && !step.undo) {
          violations.push(`compensated saga ${saga.id} went past the pivot: ${step.command}`);
        } else if (step && !has(step.undo!, `${effect.idempotencyKey}:compensate`)) {
          violations.push(`compensated saga ${saga.id}: ${step.command} never undone`);
        } else if (undone && !has(undone.command, `${saga.id}:${undone.stepId}`)) {
          violations.push(`compensated saga ${saga.id}: ${undone.undo} of nothing`);
        } else if (!step && !(undone && undone.undo === effect.commandType)) {
          violations.push(
            `saga ${saga.id}: unexpected ${effect.commandType} ${effect.idempotencyKey}`,
          );
        }
      }
    } else {
      violations.push(`saga ${saga.id} ended ${saga.status}`);
    }
  }
  for (const [sagaId, orphans] of bySaga) {
    violations.push(`effects of a saga nobody started: ${sagaId} (${orphans.length})`);
  }
  return violations;
}

/**
 * Replies the audit log shows applied more than once: one applied reply row per saga, step,
 * attempt and action at most. The audit row has no action column; the engine's note tells a
 * compensation reply (`step <id> compensated`, `compensation of <id> ...`) from a forward one.
 */
export async function repliesAppliedTwice(db: Database): Promise<string[]> {
  const rows = await db.query<{
    saga_id: string;
    step_id: string;
    attempt: number;
    action: string;
    n: number;
  }>(
    `SELECT saga_id, step_id, attempt, action, count(*)::int AS n
       FROM (SELECT saga_id, step_id, attempt,
                    CASE WHEN detail ~ '^(step [^ ;]+ compensated|compensation of )'
                         THEN 'compensate' ELSE 'execute' END AS action
               FROM saga_audit
              WHERE event_type = 'reply' AND applied) AS replies
      GROUP BY saga_id, step_id, attempt, action
     HAVING count(*) > 1`,
  );
  return rows.map(
    (r) => `${r.saga_id} ${r.action} ${r.step_id} attempt ${r.attempt}: applied ${r.n} times`,
  );
}

/** The sagas that did not end as their input says: `key (expected): status (reason)`. */
export async function wrongEnds(db: Database, started: readonly StartedSaga[]): Promise<string[]> {
  const rows = await db.query<{ id: string; status: string; reason: string | null }>(
    `SELECT id, status, state->>'reason' AS reason FROM sagas`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return started
    .filter((saga) => byId.get(saga.sagaId)?.status !== saga.plan.expected)
    .map((saga) => {
      const row = byId.get(saga.sagaId);
      return `${saga.plan.idempotencyKey} (${saga.plan.expected}): ${row?.status ?? 'missing'}${row?.reason ? ` (${row.reason})` : ''}`;
    });
}
