// The bench saga as a document (bench/definitions) against the TypeScript one (bench-saga.ts):
// the bench system `coordinator-document` compares their cost, so they must do the same work.
import type { JsonValue, SagaEventMessage } from '#contracts';
import { runSaga, type SagaRun } from '#saga-core/testing';
import { BENCH_SAGA, benchSaga, createBenchDocumentRegistry } from './bench-saga.js';

const document = createBenchDocumentRegistry().get(BENCH_SAGA, 1)!;

function observable(run: SagaRun) {
  return {
    commands: run.commands.map(({ at, command }) => ({ at, ...command })),
    events: run.events.map((event: SagaEventMessage) => ({ ...event, detail: undefined })),
    status: run.finalState.status,
  };
}

describe('the bench saga as a definition document', () => {
  it('has the same steps as the TypeScript bench saga', () => {
    const shape = (d: typeof benchSaga | typeof document) =>
      d.steps.map((s) => ({
        id: s.id,
        participant: s.participant,
        command: s.command,
        kind: s.kind,
        dependsOn: s.dependsOn,
        retry: s.retry,
        timeoutMs: s.timeoutMs,
        compensation: s.compensation && {
          command: s.compensation.command,
          retry: s.compensation.retry,
        },
      }));
    expect(shape(document)).toEqual(shape(benchSaga));
  });

  it.each([false, true])('sends the same commands and ends the same way (fail: %s)', (fail) => {
    const random = {
      errorRate: 0.1,
      failureRate: 0,
      timeoutRate: 0.05,
      result: (): JsonValue => ({}),
    };
    for (let seed = 1; seed <= 50; seed++) {
      const options = {
        random,
        seed,
        sagaId: `00000000-0000-4000-8000-${String(seed).padStart(12, '0')}`,
      };
      const input = { key: `k-${seed}`, fail };
      expect(observable(runSaga(document, input, options))).toEqual(
        observable(runSaga(benchSaga, input, options)),
      );
    }
  });
});
