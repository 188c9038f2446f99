// Where the real services are. The test command (scripts/test.sh) always sets both variables;
// a test that needs a service and finds it missing fails with this message, it never skips.

/** The Kafka bootstrap servers, from KAFKA_BROKERS (comma-separated host:port). */
export function kafkaBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) {
    throw new Error(
      'KAFKA_BROKERS is not set: run the tests with `npm test`, which starts a local broker.',
    );
  }
  return value.split(',').map((broker) => broker.trim());
}

/** The Postgres connection string, from DATABASE_URL. */
export function databaseUrl(): string {
  const value = process.env.DATABASE_URL;
  if (!value) {
    throw new Error(
      'DATABASE_URL is not set: run the tests with `npm test`, which points it at the local Postgres.',
    );
  }
  return value;
}

/** A name no other test run uses, for topics, groups and schemas (lowercase, [a-z0-9_]). */
export function uniqueName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${Date.now().toString(36)}_${random}`.replace(/[^a-z0-9_]/g, '_');
}
