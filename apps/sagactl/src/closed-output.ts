import { EXIT } from './exit-codes.js';

/** A stream that reports write errors, as process.stdout does. */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Ends the process with exit 141 ({@link EXIT.outputClosed}) when the reader of `output` is gone
 * (EPIPE: `sagactl list | head`, a `watch` whose reader stopped): writing on would be in vain,
 * and `watch` would poll forever. Not 0: `watch` says 0 for a saga completed, and a script must
 * not read a watch cut short as that. Other write errors are thrown.
 */
export function exitWhenOutputCloses(output: ErrorEmitter, exit: (code: number) => void): void {
  output.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    exit(EXIT.outputClosed);
  });
}
