export { deadLetterIndexer } from './dead-letter-indexer.js';
export { deadLetterTopicsToIndex } from './dead-letter-topics.js';
export { DeadLettersModule, type DeadLettersModuleOptions } from './dead-letters.module.js';
