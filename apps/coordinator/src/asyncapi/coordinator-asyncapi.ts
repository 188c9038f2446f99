import { buildAsyncApiDocument, type AsyncApiDocument, type SagaInputSchema } from '#contracts';
import type { AnySagaDefinition } from '#saga-core';
import { z } from 'zod';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';

/**
 * The saga inputs of `definitions` that the document can show: those whose input schema is a
 * zod schema (a definition may bring any schema with `safeParse`; others are left out).
 */
export function sagaInputsOf(definitions: readonly AnySagaDefinition[]): SagaInputSchema[] {
  return definitions.flatMap(({ name, version, input, sensitive }) =>
    input instanceof z.ZodType
      ? [{ sagaType: name, sagaVersion: version, schema: input, sensitive }]
      : [],
  );
}

let built: AsyncApiDocument | undefined;

/**
 * The coordinator's AsyncAPI document: the wire contract, with the start request's `input`
 * described for each saga it ships. `docs/asyncapi.json` holds the same document, and
 * `GET /asyncapi.json` serves it; built once, on first use.
 */
export function coordinatorAsyncApi(): AsyncApiDocument {
  built ??= buildAsyncApiDocument({ sagaInputs: sagaInputsOf(SAMPLE_SAGAS) });
  return built;
}
