import type { BatchHandler } from '#saga-core';
import { Counter, type Registry } from 'prom-client';

/** Counts the messages a handler dead-letters, by the topic they came from. */
export function countingDeadLetters(registry: Registry): (handler: BatchHandler) => BatchHandler {
  const counter =
    (registry.getSingleMetric('saga_dead_letters_total') as Counter<'topic'> | undefined) ??
    new Counter({
      name: 'saga_dead_letters_total',
      help: 'Messages moved to a dead-letter topic, by the topic they came from.',
      labelNames: ['topic'],
      registers: [registry],
    });
  return (handler) => async (messages) => {
    const outcome = await handler(messages);
    for (const { message } of outcome.deadLetters) counter.inc({ topic: message.topic });
    return outcome;
  };
}
