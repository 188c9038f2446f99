import type { KafkaSecurityConfig } from '../config/security-config.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';

/**
 * The kafkajs TLS and SASL options of a {@link KafkaSecurityConfig}: TLS verifies the brokers'
 * certificates (against the given CA, else the system's) and host names, always.
 */
export function kafkaSecurityOptions(
  config: KafkaSecurityConfig,
): Pick<KafkaTransportOptions, 'ssl' | 'sasl'> {
  const ssl =
    config.ssl === undefined
      ? undefined
      : config.ssl === true
        ? { rejectUnauthorized: true }
        : { ...config.ssl, rejectUnauthorized: true };
  return {
    ...(ssl ? { ssl } : {}),
    ...(config.sasl ? { sasl: { ...config.sasl } } : {}),
  } as Pick<KafkaTransportOptions, 'ssl' | 'sasl'>;
}
