export { deadLetterIndexer } from './dead-letter-indexer.js';
export { deadLetterTopicsToIndex } from './dead-letter-topics.js';
export { DeadLettersModule } from './dead-letters.module.js';
export type { DeadLettersModuleOptions } from './dead-letters.module-definition.js';
