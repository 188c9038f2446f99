import { createRequire } from 'node:module';
import { isBrokerUnavailable } from './broker-unavailable.js';

const require = createRequire(import.meta.url);

// kafkajs's own error classes, as its admin client throws them.
const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} = require('kafkajs/src/errors.js') as Record<
  | 'KafkaJSConnectionError'
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSSASLAuthenticationError',
  new (...args: unknown[]) => Error
>;

/** What the admin's connect rejects with once kafkajs gave up on a refused port. */
const refused = () =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'),
    { retryCount: 5, retryTime: 4_000 },
  );

describe('isBrokerUnavailable', () => {
  it('is true of a broker that cannot be reached or is not ready, once kafkajs gave up its retries', () => {
    expect(isBrokerUnavailable(refused())).toBe(true);
    expect(isBrokerUnavailable(new KafkaJSConnectionError('Connection timeout'))).toBe(true);
  });

  it('is false of what another try cannot mend: credentials refused, any other error', () => {
    const denied = new KafkaJSSASLAuthenticationError('SASL SCRAM failed');
    expect(isBrokerUnavailable(new KafkaJSNonRetriableError(denied, { cause: denied }))).toBe(
      false,
    );
    expect(isBrokerUnavailable(new Error('Connection error'))).toBe(false);
    expect(isBrokerUnavailable(undefined)).toBe(false);
  });
});
