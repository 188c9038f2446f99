// The bench saga on DBOS Transact (@dbos-inc/dbos-sdk), a process of its own, as its docs show:
// DBOS.setConfig, then DBOS.launch, one workflow registered with DBOS.registerWorkflow whose
// steps are registered with DBOS.registerStep, so each is checkpointed in the system database
// before the next runs. The echo participant's no-op work runs in process: the first two steps
// return `{}`, the third refuses when the saga says `fail`; on the refusal the workflow runs
// the compensations as steps too, newest first. The parent sends `DbosStarts` over IPC and gets
// `DbosEnds` back; each start is DBOS.startWorkflow with the saga's key as workflow ID.
// Env: DATABASE_URL (the shared Postgres server), DBOS_SYSTEM_DATABASE (the name of the system
// database DBOS creates there on launch), DBOS_POOL_SIZE (optional, default below).
//
// The tuning pass, all settings of DBOSConfig (Postgres itself is shared and left alone):
// - systemDatabasePoolSize 10, DBOS's default, set explicitly: the pass tried 5, 10, 20 and 40
//   (DBOS_POOL_SIZE). Every step costs six round trips (two status reads, the read of its
//   checkpoint, then BEGIN, owner check, insert, COMMIT), so on 2 cores the bound is CPU, not
//   commit latency; more connections cost Postgres CPU (its backends' CPU per saga: ~6-7 ms at
//   10, ~7.5-8 at 20, ~9-12 at 40) and 10 kept up with 150 sagas/s where 20 fell behind.
//   5 was no cheaper than 10.
// - logLevel 'warn' (default 'info'), as the coordinator runs in the bench.
// - applicationVersion fixed, as the docs recommend, instead of a hash of the workflow sources.
// - Left at their defaults: tracing off (no OTLP), no queue (DBOS.startWorkflow runs the
//   workflow in this process at once, and getResult awaits it without polling), no step retries
//   (the echo never fails for a transient reason; the third step's refusal is final).
import { DBOS } from '@dbos-inc/dbos-sdk';
import { BusinessRefusal } from '#saga-participant';
import { BENCH_SAGA, BENCH_STEPS, REFUSAL_CODE } from './bench-saga.js';
import type { SagaEnd } from './bench-system.js';

/** Parent to child: sagas to start, each as `[key, fail]`. */
export interface DbosStarts {
  readonly starts: readonly (readonly [key: string, fail: boolean])[];
}

/** Child to parent: sagas that ended since the last message, each as `[key, end]`. */
export interface DbosEnds {
  readonly ends: readonly (readonly [key: string, end: SagaEnd])[];
}

/** Connections of DBOS's system database pool, unless DBOS_POOL_SIZE says otherwise. */
const DEFAULT_POOL_SIZE = 10;

const [first, second, third] = BENCH_STEPS;
type EchoStep = (key: string, fail: boolean) => Promise<object>;
const echoStep = (name: string, work: EchoStep) => DBOS.registerStep(work, { name });

const doFirst = echoStep(first.command, async () => ({}));
const doSecond = echoStep(second.command, async () => ({}));
const doThird = echoStep(third.command, async (_key, fail) => {
  if (fail) throw new BusinessRefusal(REFUSAL_CODE);
  return {};
});
const undoSecond = echoStep(second.undo, async () => ({}));
const undoFirst = echoStep(first.undo, async () => ({}));

/** A refusal keeps its `code` through DBOS's error checkpoint, unlike its class on replay. */
const isRefusal = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === REFUSAL_CODE;

/** The bench saga as a DBOS workflow: three steps, and on the third's refusal two undos. */
const benchSaga = DBOS.registerWorkflow(
  async (key: string, fail: boolean): Promise<SagaEnd> => {
    await doFirst(key, fail);
    await doSecond(key, fail);
    try {
      await doThird(key, fail);
      return 'completed';
    } catch (error) {
      if (!isRefusal(error)) throw error;
    }
    await undoSecond(key, fail);
    await undoFirst(key, fail);
    return 'compensated';
  },
  { name: BENCH_SAGA },
);

/** Queues one end, and sends all queued ends once per event-loop turn. */
function endReporter(): (key: string, end: SagaEnd) => void {
  let ends: [string, SagaEnd][] = [];
  return (key, end) => {
    if (ends.length === 0) {
      setImmediate(() => {
        const message: DbosEnds = { ends };
        ends = [];
        process.send?.(message);
      });
    }
    ends.push([key, end]);
  };
}

function systemDatabaseUrl(): string {
  const server = process.env.DATABASE_URL;
  const name = process.env.DBOS_SYSTEM_DATABASE;
  if (!server || !name) throw new Error('DATABASE_URL and DBOS_SYSTEM_DATABASE are required');
  const url = new URL(server);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

async function main(): Promise<void> {
  DBOS.setConfig({
    name: 'saga-bench',
    applicationVersion: '1',
    systemDatabaseUrl: systemDatabaseUrl(),
    systemDatabasePoolSize: Number(process.env.DBOS_POOL_SIZE ?? DEFAULT_POOL_SIZE),
    logLevel: 'warn',
  });
  await DBOS.launch();
  const reportEnd = endReporter();
  const run = async (key: string, fail: boolean) => {
    try {
      const handle = await DBOS.startWorkflow(benchSaga, { workflowID: key })(key, fail);
      reportEnd(key, await handle.getResult());
    } catch (error) {
      // Not an end the contract knows: the harness sees the saga as never ended.
      console.error(`saga ${key} failed`, error);
    }
  };
  process.on('message', (message: DbosStarts) => {
    for (const [key, fail] of message.starts) void run(key, fail);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void DBOS.shutdown().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  // The parent is gone: nobody is left to read the ends.
  process.once('disconnect', stop);
  process.send?.('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
