/** A stream that reports write errors, as process.stdout does. */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Ends the process with `exit(0)` when the reader of `output` is gone (EPIPE: `sagactl list |
 * head`, a `watch` whose reader stopped): writing on would be in vain, and `watch` would poll
 * forever. Other write errors are thrown.
 */
export function exitWhenOutputCloses(output: ErrorEmitter, exit: (code: number) => void): void {
  output.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    exit(0);
  });
}
