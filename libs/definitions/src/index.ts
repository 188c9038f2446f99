// Saga definitions as documents (JSON or YAML): their schema, and their compilation into the
// engine's own definitions (see docs/DEFINITIONS.md).
export { MAX_EXPRESSION_LENGTH } from './cel-expression.js';
export { compileDefinition, documentOf, type CompileResult } from './compile-definition.js';
export {
  definitionDocumentSchema,
  MAX_STEPS,
  type DefinitionDocument,
  type DocumentStep,
} from './definition-document.js';
export { definitionJsonSchema } from './definition-json-schema.js';
export { definitionPage } from './definition-page.js';
export { DefinitionRuntimeError, type DefinitionProblem } from './definition-problem.js';
export { MAX_DEFINITION_BYTES, readDefinitionText } from './definition-text.js';
export {
  summarizeDefinition,
  type DefinitionSummary,
  type StepSummary,
} from './definition-summary.js';
export { definitionFile, definitionsFolder } from './definition-files.js';
export {
  DefinitionLoadError,
  loadDefinitionSources,
  type DefinitionSources,
} from './definition-sources.js';
