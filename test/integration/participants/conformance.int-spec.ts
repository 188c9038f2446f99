// The conformance kit against participants on the real broker: the four sample participants
// (with their Postgres stores) conform; a participant that answers twice and ignores
// compensations does not, and the report names the rules it breaks.
import { readFileSync } from 'node:fs';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import { silentParticipantLogger } from '#saga-participant';
import { formatReport } from '../../../apps/conformance/src/conformance-report.js';
import { runConformance } from '../../../apps/conformance/src/run-conformance.js';
import { loadDefinitionDirectory } from '#definitions';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  SAMPLE_PARTICIPANT_NAMES,
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipants,
} from '../../../apps/sample-participants/src/sample-participants.js';
import { startBrokenParticipant } from '../../support/broken-participant.js';
import { databaseUrl, kafkaBrokers, uniqueName } from '../../support/services.js';

const prefix = `${uniqueName('conformance')}.`;
// The order saga, and a saga that compensates shipping (examples/definitions).
const registry = createSampleSagaRegistry();
const inputs = JSON.parse(readFileSync('test/fixtures/conformance-inputs.json', 'utf8')) as Record<
  string,
  unknown
>;
const brokenPrefix = `${uniqueName('broken')}.`;

describe('the conformance kit', () => {
  const transport = new KafkaTransport(
    {
      brokers: kafkaBrokers(),
      clientId: uniqueName('conformance'),
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
    },
    { logger: silentTransportLogger },
  );
  const options = (participant: string, topicPrefix = prefix) => ({
    participant,
    brokers: kafkaBrokers(),
    topicPrefix,
    timeoutMs: 30_000,
    inputs,
  });
  let participants: SampleParticipants;

  beforeAll(async () => {
    loadDefinitionDirectory(registry, 'examples/definitions');
    await transport.administrator.ensureTopics([
      ...sampleParticipantTopics(prefix, 2),
      ...sampleParticipantTopics(brokenPrefix, 1),
    ]);
    participants = await startSampleParticipants({
      consumerFactory: () => transport.createConsumer(),
      publisher: transport.publisher,
      topicPrefix: prefix,
      logger: silentParticipantLogger,
      database: { url: databaseUrl(), schemaPrefix: `${prefix.replaceAll(/[.-]/g, '_')}p_` },
    });
  });

  afterAll(async () => {
    await participants?.stop();
    await transport.close();
  });

  it.each(SAMPLE_PARTICIPANT_NAMES)(
    'finds that the sample participant %s conforms',
    async (name) => {
      const report = await runConformance(options(name), transport, registry.list());
      if (!report.passed) throw new Error(formatReport(report));
      const rules = new Set(report.outcomes.map((outcome) => outcome.rule.id));
      expect([...rules]).toEqual(
        expect.arrayContaining([
          'answers-command',
          'duplicate-gets-first-outcome',
          'retry-gets-first-outcome',
          'old-attempt-gets-first-outcome',
          'unknown-command-type',
          'malformed-dead-lettered',
          'partition-not-blocked',
          'reply-once-per-delivery',
        ]),
      );
      if (name !== 'notification') {
        expect([...rules]).toEqual(
          expect.arrayContaining(['compensation-of-unknown-key', 'late-command-refused']),
        );
      }
    },
  );

  it('fails a participant that answers twice and ignores compensations, naming the rules', async () => {
    const broken = await startBrokenParticipant({
      participant: 'inventory',
      topicPrefix: brokenPrefix,
      consumer: transport.createConsumer(),
      publisher: transport.publisher,
    });
    try {
      const report = await runConformance(
        options('inventory', brokenPrefix),
        transport,
        registry.list(),
      );
      expect(report.passed).toBe(false);
      const failedRules = new Set(
        report.outcomes
          .filter((outcome) => outcome.verdict === 'fail')
          .map((outcome) => outcome.rule.id),
      );
      expect(failedRules).toContain('reply-once-per-delivery');
      expect(failedRules).toContain('late-command-refused');
      expect(failedRules).toContain('retry-gets-first-outcome');
      const text = formatReport(report);
      expect(text).toMatch(/FAIL {2}late-command-refused \(duty 4\)/);
      expect(text).toMatch(/FAIL {2}reply-once-per-delivery \(duty 1\)/);
      expect(text).toContain('2 replies to 1 delivery');
      expect(text).toContain('DOES NOT CONFORM');
    } finally {
      await broken.stop();
    }
  });
});
