import { assertOutgoingMessage } from '../kafka-message-mapping.js';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import type { InMemoryBroker } from './in-memory-broker.js';

/** Publishes to an InMemoryBroker: all or nothing per call, acknowledged as soon as appended. */
export class InMemoryMessagePublisher implements MessagePublisher {
  constructor(private readonly broker: InMemoryBroker) {}

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    messages.forEach(assertOutgoingMessage);
    this.broker.assertTopicsExist(new Set(messages.map(({ topic }) => topic)));
    for (const message of messages) {
      this.broker.append(message.topic, [
        { key: message.key, headers: message.headers, value: message.value },
      ]);
    }
  }
}
