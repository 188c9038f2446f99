// Kafka TLS and SASL, read the same way by every process that talks to the brokers: the
// variables (`KAFKA_SSL*`, `KAFKA_SASL_*`), what they mean, and the kafkajs options they give.
import { z } from 'zod';
import type { KafkaTransportOptions } from './kafka-transport-options.js';

/** TLS and SASL of every Kafka client; certificates are always checked. */
export interface KafkaSecurityConfig {
  readonly ssl?: true | { ca?: string; cert?: string; key?: string };
  readonly sasl?: {
    mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain';
    username: string;
    password: string;
  };
}

const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** The Kafka security variables (all optional). */
export const kafkaSecurityEnvironmentSchema = z.object({
  KAFKA_SSL: z.enum(['true', 'false', '']).optional(),
  KAFKA_SSL_CA_FILE: text,
  KAFKA_SSL_CERT_FILE: text,
  KAFKA_SSL_KEY_FILE: text,
  KAFKA_SASL_MECHANISM: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).optional(),
  ),
  KAFKA_SASL_USERNAME: text,
  KAFKA_SASL_PASSWORD: text,
  KAFKA_SASL_PASSWORD_FILE: text,
});
/** The parsed Kafka security variables. */
export type KafkaSecurityEnvironment = z.infer<typeof kafkaSecurityEnvironmentSchema>;

/** The content of the file a variable names, or undefined (the problem already noted). */
export type ReadVariableFile = (name: keyof KafkaSecurityEnvironment) => string | undefined;

/** Reads a file named by a variable; its content is never echoed. */
export type ReadFile = (path: string) => string;

/**
 * Reads the file each `*_FILE` variable of `env` names: undefined when the variable is unset,
 * and, when the file cannot be read, undefined with `NAME: cannot read the file` (never the path
 * or its content) pushed into `problems`.
 */
export function variableFileReader<Env extends object>(
  env: Env | undefined,
  readFile: ReadFile,
  problems: string[],
): (name: keyof Env & string) => string | undefined {
  return (name) => {
    const path = env?.[name];
    if (typeof path !== 'string') return undefined;
    try {
      return readFile(path);
    } catch {
      problems.push(`${name}: cannot read the file`);
      return undefined;
    }
  };
}

/**
 * The Kafka security settings from the process environment, for a process that reads nothing
 * else of the kind (the sample participants). Throws naming every bad variable, never a value.
 */
export function loadKafkaSecurity(
  environment: Record<string, string | undefined>,
  readFile: ReadFile,
): KafkaSecurityConfig {
  const parsed = kafkaSecurityEnvironmentSchema.safeParse(environment);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const read = variableFileReader(parsed.data, readFile, problems);
  const config = parsed.success ? kafkaSecurityOf(parsed.data, read, problems) : {};
  if (problems.length > 0)
    throw new Error(`Invalid Kafka security settings:\n  ${problems.join('\n  ')}`);
  return config;
}

/** The settings the variables describe; pushes a problem per bad one (`NAME: why`) into `problems`. */
export function kafkaSecurityOf(
  env: KafkaSecurityEnvironment,
  read: ReadVariableFile,
  problems: string[],
): KafkaSecurityConfig {
  const files: { ca?: string; cert?: string; key?: string } = {};
  const [ca, cert, key] = [
    read('KAFKA_SSL_CA_FILE'),
    read('KAFKA_SSL_CERT_FILE'),
    read('KAFKA_SSL_KEY_FILE'),
  ];
  if (ca !== undefined) files.ca = ca;
  if (cert !== undefined) files.cert = cert;
  if (key !== undefined) files.key = key;
  if ((files.cert === undefined) !== (files.key === undefined)) {
    problems.push('KAFKA_SSL_CERT_FILE: set together with KAFKA_SSL_KEY_FILE');
  }
  const tls = env.KAFKA_SSL === 'true' || Object.keys(files).length > 0;
  if (env.KAFKA_SSL === 'false' && Object.keys(files).length > 0) {
    problems.push('KAFKA_SSL: false, but certificate files are set');
  }
  const ssl = tls ? (Object.keys(files).length > 0 ? files : (true as const)) : undefined;
  let sasl: KafkaSecurityConfig['sasl'];
  if (env.KAFKA_SASL_MECHANISM !== undefined) {
    const password = env.KAFKA_SASL_PASSWORD ?? read('KAFKA_SASL_PASSWORD_FILE')?.trim();
    if (env.KAFKA_SASL_USERNAME === undefined) problems.push('KAFKA_SASL_USERNAME: required');
    if (password === undefined) problems.push('KAFKA_SASL_PASSWORD: required (or _FILE)');
    sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME ?? '',
      password: password ?? '',
    };
  } else if (env.KAFKA_SASL_USERNAME ?? env.KAFKA_SASL_PASSWORD) {
    problems.push('KAFKA_SASL_MECHANISM: required with a SASL user or password');
  }
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/** The TLS and SASL options of a process's kafkajs clients. */
export type KafkaClientSecurity = Pick<KafkaTransportOptions, 'ssl' | 'sasl'>;

/**
 * The kafkajs TLS and SASL options of a {@link KafkaSecurityConfig}: TLS verifies the brokers'
 * certificates (against the given CA, else the system's) and host names, always.
 */
export function kafkaSecurityOptions(config: KafkaSecurityConfig): KafkaClientSecurity {
  const ssl =
    config.ssl === undefined
      ? undefined
      : config.ssl === true
        ? { rejectUnauthorized: true }
        : { ...config.ssl, rejectUnauthorized: true };
  return {
    ...(ssl ? { ssl } : {}),
    ...(config.sasl ? { sasl: { ...config.sasl } } : {}),
  } as KafkaClientSecurity;
}
