import { InterruptibleSleep } from './interruptible-sleep.js';

/**
 * Runs `round` every `intervalMs` after the previous one ended (never two at once) until
 * `stop`. The first round runs one interval after the start. A round must handle its own
 * errors: one that throws ends nothing, the next round runs on time.
 */
export class RepeatingRound {
  private running = true;
  private readonly pause = new InterruptibleSleep();
  private readonly loop: Promise<void>;

  constructor(intervalMs: number, round: () => Promise<void>) {
    this.loop = (async () => {
      for (;;) {
        await this.pause.sleep(intervalMs);
        if (!this.running) return;
        await round().catch(() => undefined);
      }
    })();
  }

  /** Ends the loop; resolves once a round under way has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }
}
