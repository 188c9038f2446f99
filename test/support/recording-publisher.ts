import type { MessagePublisher, OutgoingMessage } from '#saga-core';

/** Records what it is asked to publish; refuses while `down`. */
export class RecordingPublisher implements MessagePublisher {
  readonly published: OutgoingMessage[] = [];
  down = false;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.down) throw new Error('broker unreachable');
    this.published.push(...messages);
  }
}
