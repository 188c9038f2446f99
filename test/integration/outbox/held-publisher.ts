import { RecordingPublisher } from '../../support/recording-publisher.js';

/**
 * A RecordingPublisher whose calls all wait until the test calls `answer`, then answer as a
 * broker would (`down`, `missing`): what the relay does meanwhile is counted, not timed.
 */
export class HeldPublisher extends RecordingPublisher {
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  constructor() {
    super();
    this.beforeAnswer = () => this.released;
  }

  /** Lets every call, held or to come, answer. */
  answer(): void {
    this.release();
  }
}
