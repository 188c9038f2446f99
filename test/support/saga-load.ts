// Load for the coordinator process: many order sagas started over HTTP, and the figures of
// their progress read from the environment's database.
import type { Database } from '#postgres';
import { ADMIN_HEADERS } from './test-credentials.js';

/** What an order saga is expected to end as, given its input. */
export type ExpectedEnd = 'completed' | 'compensated';

/** One saga to start: its idempotency key, its input, and how it must end. */
export interface OrderPlan {
  readonly idempotencyKey: string;
  readonly input: {
    orderId: string;
    customerId: string;
    items: { sku: string; quantity: number }[];
    amount: number;
    currency: string;
  };
  readonly expected: ExpectedEnd;
}

export { orderInput } from '../../apps/coordinator/src/decisions/memory-saga-store.fixture.js';

/**
 * `count` order sagas named after `run`: every `declineEvery`-th one asks for more than the
 * payment participant accepts (declined: the saga compensates), the others complete.
 */
export function orderPlans(run: string, count: number, declineEvery = 10): OrderPlan[] {
  return Array.from({ length: count }, (_, index) => {
    const declined = index % declineEvery === declineEvery - 1;
    return {
      idempotencyKey: `${run}-${index}`,
      input: {
        orderId: `${run}-order-${index}`,
        customerId: `customer-${index % 17}`,
        items: [{ sku: ['apple', 'pear', 'plum'][index % 3]!, quantity: 1 + (index % 4) }],
        amount: declined ? 50_000 : 10 + index,
        currency: 'EUR',
      },
      expected: declined ? 'compensated' : 'completed',
    };
  });
}

/** The coordinator's answer to one start, and where it came from. */
export interface StartedSaga {
  readonly plan: OrderPlan;
  readonly sagaId: string;
  readonly created: boolean;
  /** The base URL of the instance that answered 202. */
  readonly answeredBy: string;
  /** Requests sent for this saga (more than one when an instance died under it). */
  readonly requests: number;
}

/** Options of {@link startSagas}. */
export interface StartSagasOptions {
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
  /** Give up on a saga whose start got no 202 within this time (default 90 000 ms). */
  readonly timeoutMs?: number;
  /** Wait between two requests of one worker, to spread the load over time (default 0). */
  readonly pauseMs?: number;
}

/**
 * Starts every plan with `POST /sagas` on the instance `urlOf` names at the time of the
 * request. A request that fails (the instance died, or is not listening yet) or answers 5xx is
 * sent again with the same idempotency key; any other answer than 202 rejects.
 */
export async function startSagas(
  plans: readonly OrderPlan[],
  urlOf: (index: number) => Promise<string>,
  options: StartSagasOptions = {},
): Promise<StartedSaga[]> {
  const { concurrency = 8, timeoutMs = 90_000, pauseMs = 0 } = options;
  const results: StartedSaga[] = new Array(plans.length);
  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const index = next++;
      results[index] = await startOne(plans[index]!, () => urlOf(index), timeoutMs);
      if (pauseMs > 0) await sleep(pauseMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

async function startOne(
  plan: OrderPlan,
  urlOf: () => Promise<string>,
  timeoutMs: number,
): Promise<StartedSaga> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = '';
  for (let requests = 1; Date.now() < deadline; requests++) {
    try {
      // An instance that died (or never came up) is skipped: the next request goes elsewhere.
      const url = await urlOf();
      const response = await fetch(`${url}/sagas`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN_HEADERS },
        body: JSON.stringify({
          sagaType: 'order',
          idempotencyKey: plan.idempotencyKey,
          input: plan.input,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status === 202) {
        const body = JSON.parse(text) as { sagaId: string; created: boolean };
        return { plan, sagaId: body.sagaId, created: body.created, answeredBy: url, requests };
      }
      if (response.status < 500 && response.status !== 429) {
        throw new Error(`POST /sagas ${plan.idempotencyKey} answered ${response.status}: ${text}`);
      }
      lastProblem = `${response.status} ${text}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('POST /sagas')) throw error;
      lastProblem = error instanceof Error ? `${error.message} ${String(error.cause)}` : 'failed';
    }
    await sleep(100);
  }
  throw new Error(`no 202 for ${plan.idempotencyKey} within ${timeoutMs} ms: ${lastProblem}`);
}

/** How far the sagas of an environment are, read in one statement. */
export interface SagaProgress {
  readonly total: number;
  readonly terminal: number;
  readonly running: number;
  /** Sagas still moving by themselves: running or compensating (stuck ones wait for an operator). */
  readonly active: number;
  readonly unsentOutbox: number;
  readonly appliedReplies: number;
}

const TERMINAL = ['completed', 'compensated'];

/** Counts the sagas (all, terminal, not terminal), the unsent outbox rows and the applied replies. */
export async function sagaProgress(db: Database): Promise<SagaProgress> {
  const [row] = await db.query<Record<keyof SagaProgress, number>>(
    `SELECT
       (SELECT count(*)::int FROM sagas) AS total,
       (SELECT count(*)::int FROM sagas WHERE status = ANY($1)) AS terminal,
       (SELECT count(*)::int FROM sagas WHERE status <> ALL($1)) AS running,
       (SELECT count(*)::int FROM sagas WHERE status IN ('running', 'compensating')) AS active,
       (SELECT count(*)::int FROM outbox WHERE sent_at IS NULL) AS "unsentOutbox",
       (SELECT count(*)::int FROM saga_audit WHERE event_type = 'reply' AND applied) AS "appliedReplies"`,
    [TERMINAL],
  );
  return row!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The sagas by status, with the reason of each stuck one (for failure messages). */
export async function statusSummary(db: Database): Promise<string> {
  const rows = await db.query<{ status: string; reason: string | null; n: number }>(
    `SELECT status, state->>'reason' AS reason, count(*)::int AS n
       FROM sagas GROUP BY status, state->>'reason' ORDER BY status`,
  );
  return rows.map((r) => `${r.n} ${r.status}${r.reason ? ` (${r.reason})` : ''}`).join('; ');
}
