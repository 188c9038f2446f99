// The conformance kit as a command: `npm run conformance -- --participant shipping --brokers
// host:9092`. Prints the report; exits 0 when the participant conforms, 1 when a rule failed,
// 2 when the run itself could not be made (bad options, broker unreachable, missing topic).
import { readFileSync } from 'node:fs';
import {
  KafkaTransport,
  kafkaSecurityOptions,
  loadKafkaSecurity,
  silentTransportLogger,
} from '#messaging';
import { definitionsFolder, loadDefinitionDirectory } from '#definitions';
import { createSagaRegistry } from '#saga-core';
import { CONFORMANCE_USAGE, conformanceOptionsOf } from './conformance-options.js';
import { formatReport } from './conformance-report.js';
import { runConformance } from './run-conformance.js';

async function main(): Promise<number> {
  let options;
  try {
    options = conformanceOptionsOf(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    console.error(CONFORMANCE_USAGE);
    return 2;
  }
  const transport = new KafkaTransport(
    {
      brokers: [...options.brokers],
      clientId: 'saga-conformance',
      // The same KAFKA_SSL* and KAFKA_SASL_* variables as the coordinator.
      ...kafkaSecurityOptions(loadKafkaSecurity(process.env, (path) => readFileSync(path, 'utf8'))),
    },
    { logger: silentTransportLogger },
  );
  try {
    // The sample definitions the coordinator ships, and those of --definitions, loaded as a
    // coordinator loads its SAGA_DEFINITIONS_DIR.
    const registry = createSagaRegistry();
    loadDefinitionDirectory(registry, definitionsFolder());
    if (options.definitions !== undefined) loadDefinitionDirectory(registry, options.definitions);
    const report = await runConformance(options, transport, registry.list());
    console.log(formatReport(report));
    return report.passed ? 0 : 1;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await transport.close();
  }
}

process.exitCode = await main();
