/**
 * The exit codes of `sagactl`, a contract with the scripts that run it (docs/CLI.md lists them,
 * `sagactl --help` too). They never change meaning; new ones take new numbers.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /**
   * Failed otherwise: the API refused (400, 413, 415) or failed (500), answered a redirect
   * (3xx) or not as the API, or a fault of the CLI itself.
   */
  failed: 1,
  /** Unknown command or option, a missing or malformed argument, unreadable config. */
  usage: 2,
  /** 404: no saga, dead letter, definition or participant has that id or name. */
  notFound: 3,
  /** 401 or 403: no valid credentials, or a role the route needs is missing. */
  notAllowed: 4,
  /** 409: the key started another saga, the saga's state forbids it, the route's revision moved. */
  conflict: 5,
  /**
   * The coordinator is unreachable or unavailable: refused, timed out, 502/503/504, 429 (a GET
   * after its tries), an answer broken off; `--max-wait` ran out (`watch`, bulk `--wait`).
   */
  unavailable: 6,
  /** `watch`: the saga ended compensated. */
  compensated: 7,
  /** `watch`: the saga is stuck, waiting for an operator. */
  stuck: 8,
  /** `--wait` on a bulk operation: it ended, and the engine refused some of its sagas. */
  bulkRefused: 9,
  /** `--wait` on a bulk operation: it was stopped before it acted on every saga. */
  bulkStopped: 10,
  /**
   * The reader of stdout went away (EPIPE: `| head`) before all was written: 128 + SIGPIPE, as
   * a shell reports a command a closed pipe ended. Never 0, which `watch` says for completed.
   */
  outputClosed: 141,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports in words, with the exit code scripts rely on. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** Further lines printed after the message (the API's field problems, a hint). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A mistake in the command line or the configuration: printed with the usage line (exit 2). */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The usage line of the command, when it is known. */
    readonly usage?: string,
  ) {
    super(EXIT.usage, message);
  }
}
