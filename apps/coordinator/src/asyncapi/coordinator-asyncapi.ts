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

/** The AsyncAPI document of the wire contract, with the start request's `input` of each of `definitions`. */
export function asyncApiFor(definitions: readonly AnySagaDefinition[]): AsyncApiDocument {
  return buildAsyncApiDocument({ sagaInputs: sagaInputsOf(definitions) });
}

/**
 * The coordinator's AsyncAPI document with the sagas it ships, as `docs/asyncapi.json` holds
 * it; built once, on first use.
 */
export function coordinatorAsyncApi(): AsyncApiDocument {
  built ??= asyncApiFor(SAMPLE_SAGAS);
  return built;
}
