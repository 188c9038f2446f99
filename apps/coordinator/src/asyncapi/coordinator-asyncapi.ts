import {
  buildAsyncApiDocument,
  type AsyncApiDocument,
  type JsonSchema,
  type SagaInputSchema,
} from '#contracts';
import { documentOf } from '#definitions';
import type { AnySagaDefinition } from '#saga-core';
import { z } from 'zod';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';

/**
 * The saga inputs of `definitions` that the document can show: the JSON Schema of a definition
 * document, or a zod schema (a definition in code may bring any schema with `safeParse`; those
 * are left out).
 */
export function sagaInputsOf(definitions: readonly AnySagaDefinition[]): SagaInputSchema[] {
  return definitions.flatMap((definition) => {
    const { name, version, input, sensitive } = definition;
    const schema =
      documentOf(definition)?.input ?? (input instanceof z.ZodType ? input : undefined);
    return schema === undefined
      ? []
      : [
          {
            sagaType: name,
            sagaVersion: version,
            schema: schema as JsonSchema | z.ZodType,
            sensitive,
          },
        ];
  });
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
