import { SCHEMA_VERSION } from '../envelopes.js';
import { JSON_CONTENT_TYPE } from '../headers.js';
import { LIMITS } from '../limits.js';
import { asyncApiChannels, CHANNEL_PARAMETERS } from './asyncapi-channels.js';
import { asyncApiMessages, CONTRACT_ENVELOPES, type EnvelopeSchemas } from './asyncapi-messages.js';
import { asyncApiOperations } from './asyncapi-operations.js';
import type { SagaInputSchema } from './start-request-schema.js';

/** What {@link buildAsyncApiDocument} describes besides the contract's envelopes. */
export interface AsyncApiDocumentOptions {
  /**
   * The saga types and versions a coordinator runs, each with its input schema: the start
   * request's `input` is described for each. Default: none (`input` is any JSON).
   */
  readonly sagaInputs?: readonly SagaInputSchema[];
  /** Envelope schemas to describe instead of the contract's (schemas.ts), one kind at a time. */
  readonly envelopes?: Partial<EnvelopeSchemas>;
}

/** An AsyncAPI 3.0.0 document, as plain JSON. */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly defaultContentType: string;
  readonly channels: Record<string, object>;
  readonly operations: Record<string, object>;
  readonly components: {
    readonly messages: Record<string, object>;
    readonly parameters: Record<string, object>;
  };
}

const DESCRIPTION = [
  'The Kafka wire contract of the saga coordinator: what starters, participants and readers of ' +
    'saga events send and receive. The operations are those of the coordinator. Prose, duties and examples: ' +
    'docs/CONTRACT.md.',
  'Every topic name starts with the environment prefix TOPIC_PREFIX (the topicPrefix parameter of ' +
    'each address; default empty). Delivery is at least once everywhere: every receiver must ' +
    'tolerate duplicates.',
  `Beyond the schemas: no string anywhere (keys and strings inside free JSON included) may hold ` +
    `U+0000 or a lone UTF-16 surrogate; a free JSON value (payload, result, details, input, ` +
    `detail) is at most ${LIMITS.json} characters once serialised and at most ` +
    `${LIMITS.jsonDepth} arrays and objects deep, and none of its objects has a key __proto__; ` +
    'lengths count UTF-16 code ' +
    'units. A message that breaks the contract is dead-lettered, with the reason, never answered.',
  `The envelopes are version ${SCHEMA_VERSION} (the saga-schema-version header): every envelope ` +
    'is strict, so any change of its fields is a new version.',
].join('\n\n');

/**
 * The AsyncAPI 3.0.0 document of the wire contract, built from its zod schemas: every topic as
 * a channel, every message with its payload, headers and key, and the coordinator's operations.
 * Pure and deterministic: the same schemas give the same document, key for key.
 */
export function buildAsyncApiDocument(options: AsyncApiDocumentOptions = {}): AsyncApiDocument {
  const envelopes = { ...CONTRACT_ENVELOPES, ...options.envelopes };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Saga coordinator wire contract',
      version: String(SCHEMA_VERSION),
      description: DESCRIPTION,
    },
    defaultContentType: JSON_CONTENT_TYPE,
    channels: asyncApiChannels(),
    operations: asyncApiOperations(),
    components: {
      messages: asyncApiMessages(envelopes, options.sagaInputs ?? []),
      parameters: CHANNEL_PARAMETERS,
    },
  };
}
