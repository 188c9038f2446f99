// Saga definitions as documents (JSON or YAML): their schema, and their compilation into the
// engine's own definitions (see docs/DEFINITIONS.md).
export { compileDefinition, documentOf, type CompileResult } from './compile-definition.js';
export { definitionDocumentSchema, type DefinitionDocument } from './definition-document.js';
export { definitionJsonSchema } from './definition-json-schema.js';
export { definitionPage } from './definition-page.js';
export type { DefinitionProblem } from './definition-problem.js';
export { MAX_DEFINITION_BYTES, readDefinitionText } from './definition-text.js';
export {
  summarizeDefinition,
  type DefinitionSummary,
  type StepSummary,
} from './definition-summary.js';
export {
  DefinitionLoadError,
  definitionFile,
  definitionsFolder,
  sourceOf,
} from './definition-files.js';
export { loadDefinitionDirectory } from './definition-sources.js';
