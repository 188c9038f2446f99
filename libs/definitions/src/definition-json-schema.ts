import { z } from 'zod';
import { definitionDocumentSchema } from './definition-document.js';

/**
 * The JSON Schema of a definition document, for editors (validation and completion of
 * definition files) and for `GET /saga-definitions/schema`; built once.
 */
export function definitionJsonSchema(): Record<string, unknown> {
  built ??= {
    $id: 'https://saga-coordinator.dev/schemas/saga-definition.json',
    title: 'Saga definition',
    ...(z.toJSONSchema(definitionDocumentSchema, {
      target: 'draft-2020-12',
      io: 'input',
    }) as Record<string, unknown>),
  };
  return built;
}

let built: Record<string, unknown> | undefined;
