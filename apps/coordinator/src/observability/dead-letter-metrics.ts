import type { BatchHandler } from '#saga-core';
import { Counter, type Registry } from 'prom-client';

/** `saga_dead_letters_total`: one counter, whoever moved the message (its handler or its consumer). */
function deadLetterCounter(registry: Registry): Counter<'topic'> {
  return (
    (registry.getSingleMetric('saga_dead_letters_total') as Counter<'topic'> | undefined) ??
    new Counter({
      name: 'saga_dead_letters_total',
      help: 'Messages moved to a dead-letter topic, by the topic they came from.',
      labelNames: ['topic'],
      registers: [registry],
    })
  );
}

/** Counts the messages a handler dead-letters, by the topic they came from. */
export function countingDeadLetters(registry: Registry): (handler: BatchHandler) => BatchHandler {
  const counter = deadLetterCounter(registry);
  return (handler) => async (messages) => {
    const outcome = await handler(messages);
    for (const { message } of outcome.deadLetters) counter.inc({ topic: message.topic });
    return outcome;
  };
}

/**
 * Counts the messages a consumer dead-letters itself without handing them to its handler
 * (ConsumerStartOptions.onRefused: bytes that are not UTF-8, a record it cannot read). Never
 * counted twice: the handler never sees them, so countingDeadLetters does not count them.
 */
export function countingRefusals(registry: Registry): (topic: string, count: number) => void {
  const counter = deadLetterCounter(registry);
  return (topic, count) => counter.inc({ topic }, count);
}
