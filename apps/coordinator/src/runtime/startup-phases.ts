/** Thrown when a start-up phase did not finish in time; the message names the phase and its setting. */
export class StartupTimeoutError extends Error {
  override name = 'StartupTimeoutError';
}

/** Where the phase lines go: a function given one line without its newline. */
export type StartupLineWriter = (line: string) => void;

/** Writes phase lines to stderr at once (before Nest's buffered logs, which wait for init). */
export const stderrStartupLines: StartupLineWriter = (line) =>
  void process.stderr.write(`${line}\n`);

/** Writes nothing (the default of runtimes built in tests and embedders). */
export const silentStartupLines: StartupLineWriter = () => undefined;

/** One phase to time: its name, its bound in ms, and the setting that changes the bound. */
export interface StartupPhase {
  readonly name: string;
  readonly timeoutMs: number;
  readonly setting: string;
}

/**
 * Says what start-up is doing, one line per phase (`startup: <phase> ...`, then `done in N ms`
 * or `FAILED after N ms: <reason>`), and bounds each phase: past its timeout `run` rejects with
 * a StartupTimeoutError naming the phase and the setting (the work itself is left to die with
 * the process). Reasons are error messages only: never a connection string.
 */
export class StartupPhases {
  constructor(
    private readonly write: StartupLineWriter = silentStartupLines,
    private readonly now: () => number = Date.now,
  ) {}

  /** A line of its own (e.g. `config loaded`). */
  note(what: string): void {
    this.write(`startup: ${what}`);
  }

  /** Runs `work` as `phase`, bounded by its timeout. */
  async run<T>(phase: StartupPhase, work: () => Promise<T>): Promise<T> {
    const began = this.now();
    this.write(`startup: ${phase.name} ...`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StartupTimeoutError(
              `start-up phase "${phase.name}" did not finish within ${phase.timeoutMs} ms (${phase.setting})`,
            ),
          ),
        phase.timeoutMs,
      );
      timer.unref();
    });
    try {
      const result = await Promise.race([work(), timeout]);
      this.write(`startup: ${phase.name} done in ${this.now() - began} ms`);
      return result;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      this.write(`startup: ${phase.name} FAILED after ${this.now() - began} ms: ${reason}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reports `work` as `phase` without bounding it (work that retries by itself, like consumers
   * joining): past the timeout a line says it is still waiting, and why if `why` knows.
   */
  track(phase: StartupPhase, work: Promise<unknown>, why: () => string | undefined): void {
    const began = this.now();
    this.write(`startup: ${phase.name} ...`);
    const timer = setTimeout(() => {
      const reason = why();
      this.write(
        `startup: ${phase.name} still waiting after ${phase.timeoutMs} ms (${phase.setting})` +
          (reason === undefined ? '' : `: ${reason}`),
      );
    }, phase.timeoutMs);
    timer.unref();
    work
      .then(
        () => this.write(`startup: ${phase.name} done in ${this.now() - began} ms`),
        (error: unknown) => {
          const reason = error instanceof Error ? error.message : 'unknown error';
          this.write(`startup: ${phase.name} FAILED after ${this.now() - began} ms: ${reason}`);
        },
      )
      .finally(() => clearTimeout(timer));
  }
}
