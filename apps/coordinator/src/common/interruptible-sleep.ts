/**
 * A pause that another part of the process can cut short, for background loops that poll but
 * also take hints that work has arrived. A wake that comes while no one sleeps is kept: the next
 * sleep then returns at once, so a hint is never lost between two polls.
 */
export class InterruptibleSleep {
  private wakeSleeper: (() => void) | undefined;
  private woken = false;

  /** Resolves after `ms`, or as soon as `wake` is called. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      this.wakeSleeper = finish;
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wakeSleeper = undefined;
      this.woken = false;
    });
  }

  /** Ends the current sleep, or the next one if none is under way. */
  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.woken = true;
  }
}
