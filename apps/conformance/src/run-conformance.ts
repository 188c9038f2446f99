import { randomUUID } from 'node:crypto';
import { topicNames } from '#contracts';
import type {
  AnySagaDefinition,
  ConsumerStartOptions,
  MessageConsumer,
  MessagePublisher,
  TopicAdministrator,
} from '#saga-core';
import type { ConformanceOptions } from './conformance-options.js';
import type { RuleOutcome } from './conformance-rules.js';
import {
  firstContact,
  checkMalformedCommands,
  checkReplyOncePerDelivery,
  checkUnknownCommandType,
} from './participant-checks.js';
import { ProbeSession } from './probe-session.js';
import { withBuiltInSamples } from './sample-inputs.js';
import { contactCommand } from './probe-commands.js';
import { checkStep } from './step-checks.js';
import { planProbes, type SkippedSaga } from './step-probes.js';

/** The broker as the kit uses it (a KafkaTransport fits). */
export interface ConformanceTransport {
  readonly publisher: MessagePublisher;
  readonly administrator: TopicAdministrator;
  createConsumer(): MessageConsumer;
}

/** What a run found. */
export interface ConformanceReport {
  readonly participant: string;
  readonly outcomes: readonly RuleOutcome[];
  /** Saga versions that name the participant but were not checked, and why. */
  readonly skipped: readonly SkippedSaga[];
  /** True when at least one rule was checked and none failed (skipped rules are neither). */
  readonly passed: boolean;
}

/**
 * Runs every rule against the participant, playing the coordinator: its commands go to the
 * participant's command topic (which must exist, with its `.dlq`), its replies are asked on the
 * kit's own topic `<prefix>conformance.replies` (created when missing), so a live coordinator
 * sees nothing of it. Each saga id is new, so runs do not disturb each other or real sagas; the
 * participant does apply the sample commands (use a test environment).
 */
export async function runConformance(
  options: ConformanceOptions,
  transport: ConformanceTransport,
  definitions: readonly AnySagaDefinition[],
): Promise<ConformanceReport> {
  const { participant } = options;
  const plan = planProbes(definitions, participant, withBuiltInSamples(options.inputs));
  if (plan.probes.length === 0) {
    throw new Error(
      plan.skipped.length > 0
        ? `no saga version that sends commands to ${participant} can be checked: ${described(plan.skipped)}`
        : `no saga definition sends commands to ${participant}`,
    );
  }
  const contact = contactCommand(plan.probes);
  if (!contact.ok) {
    throw new Error(
      `no command of ${participant} can be built from the sample inputs: ${contact.reasons.join('; ')}`,
    );
  }
  const topics = topicNames(options.topicPrefix);
  const commandTopic = topics.commands(participant);
  const replyTopic = `${options.topicPrefix}conformance.replies`;
  const deadLetterTopic = `${commandTopic}.dlq`;
  const missing = await transport.administrator.missingTopics([commandTopic, deadLetterTopic]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist: is the topic prefix "${options.topicPrefix}" the participant's?`,
    );
  }
  await transport.administrator.ensureTopics([{ topic: replyTopic, partitions: 1 }]);
  const session = new ProbeSession(
    transport.publisher,
    participant,
    commandTopic,
    replyTopic,
    options.timeoutMs,
  );
  const consumer = transport.createConsumer();
  await joinedWithin(options.timeoutMs, consumer, {
    groupId: `${options.topicPrefix}conformance.${randomUUID()}`,
    topics: [replyTopic, deadLetterTopic],
    handleBatch: (messages) => {
      session.log.record(messages);
      return Promise.resolve({ deadLetters: [] });
    },
  });
  try {
    const silent = await firstContact(session, contact.command);
    if (silent !== undefined)
      return { participant, outcomes: [silent], skipped: [], passed: false };
    const outcomes: RuleOutcome[] = [];
    for (const probe of plan.probes) outcomes.push(...(await checkStep(session, probe)));
    outcomes.push(await checkUnknownCommandType(session, contact.command));
    outcomes.push(...(await checkMalformedCommands(session, contact.command, deadLetterTopic)));
    outcomes.push(await checkReplyOncePerDelivery(session, contact.command));
    return {
      participant,
      outcomes,
      skipped: plan.skipped,
      passed:
        outcomes.some((outcome) => outcome.verdict === 'pass') &&
        outcomes.every((outcome) => outcome.verdict !== 'fail'),
    };
  } finally {
    await consumer.stop();
  }
}

/** `order v2: why; ...`. */
function described(skipped: readonly SkippedSaga[]): string {
  return skipped.map(({ saga, reason }) => `${saga}: ${reason}`).join('; ');
}

/** Starts `consumer`, or stops it and throws when it has not joined its group in time. */
async function joinedWithin(
  timeoutMs: number,
  consumer: MessageConsumer,
  options: ConsumerStartOptions,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const joined = await Promise.race([
      consumer.start(options).then(() => 'joined' as const),
      late,
    ]);
    if (joined === 'late') {
      await consumer.stop();
      throw new Error(
        `the kit's consumer did not join its group within ${timeoutMs} ms (broker, credentials, ACLs?)`,
      );
    }
  } finally {
    clearTimeout(timer);
  }
}
