import { relative } from 'node:path';
import { definitionJsonSchema, definitionPage, sourceOf, summarizeDefinition } from '#definitions';
import { coordinatorAsyncApi } from '../asyncapi/coordinator-asyncapi.js';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';

/** A file under docs/ that the code writes (`npm run docs:generate`) and lint checks. */
export type GeneratedDocument =
  | { readonly file: string; readonly kind: 'json'; readonly content: unknown }
  | { readonly file: string; readonly kind: 'text'; readonly content: string };

/**
 * Every generated document: the AsyncAPI document of the wire contract, the JSON Schema of a
 * saga definition document, and a page per sample saga definition written as a document.
 */
export function generatedDocuments(): GeneratedDocument[] {
  return [
    { file: 'docs/asyncapi.json', kind: 'json', content: coordinatorAsyncApi() },
    { file: 'docs/saga-definition.schema.json', kind: 'json', content: definitionJsonSchema() },
    ...SAMPLE_SAGAS.flatMap((definition): GeneratedDocument[] => {
      const source = sourceOf(definition);
      if (source === undefined) return [];
      return [
        {
          file: `docs/definitions/${definition.name}.v${definition.version}.md`,
          kind: 'text',
          // The repository path of the document, whichever folder the package runs from.
          content: definitionPage(
            summarizeDefinition(definition),
            relative(process.cwd(), source).split('\\').join('/'),
          ),
        },
      ];
    }),
  ];
}
