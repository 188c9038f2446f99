import { definitionsFolder, loadDefinitionDirectory } from '#definitions';
import { createSagaRegistry, type AnySagaDefinition, type SagaRegistry } from '#saga-core';

/**
 * Every sample saga definition, each version the coordinator still runs: the documents of the
 * package's `definitions/` folder, the order saga (definitions/order.v1.yaml; order.saga.ts is
 * the same saga written in TypeScript, the typed example, and a test holds the two to the same
 * behaviour).
 */
export const SAMPLE_SAGAS: readonly AnySagaDefinition[] = Object.freeze(
  loadDefinitionDirectory(createSagaRegistry(), definitionsFolder()),
);

/** The participants the sample sagas send commands to, sorted: the coordinator creates their topics. */
export const SAMPLE_PARTICIPANTS: readonly string[] = Object.freeze(
  createSagaRegistry(SAMPLE_SAGAS).participants(),
);

/** A new registry holding the sample sagas (a new one per call, so callers may register more). */
export function createSampleSagaRegistry(): SagaRegistry {
  return createSagaRegistry(SAMPLE_SAGAS);
}
