import {
  BusinessRefusal,
  type CommandHandler,
  type CommandHandlers,
  type ReplyInterceptor,
} from '#saga-participant';
import { NO_FAULTS, type FaultConfig, type ParticipantFaults } from './fault-config.js';

/** The kinds of fault injected, as counted. */
export type FaultKind =
  | 'transientError'
  | 'businessFailure'
  | 'latency'
  | 'crashAfterCommit'
  | 'dropReply'
  | 'duplicateReply';

/** What the injector needs from the world; tests pass fakes. */
export interface FaultInjectorOptions {
  /** Numbers in [0, 1): seededRandom for reproducible runs. */
  readonly random: () => number;
  /** Waits `ms` milliseconds. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Ends the process at once, without replying (default: process.exit(1) after a log line). */
  readonly crash: (participant: string) => void;
}

/**
 * Injects the configured faults into the sample participants: wraps their handlers (latency,
 * transient errors, business failures) and intercepts their replies (crash after commit,
 * dropped and duplicated replies). The configuration can change while they run.
 */
export class FaultInjector {
  private readonly counts = new Map<FaultKind, number>();
  private readonly replies = new Map<string, number>();

  constructor(
    private config: FaultConfig,
    private readonly options: FaultInjectorOptions,
  ) {}

  /** The configuration in force. */
  get current(): FaultConfig {
    return this.config;
  }

  /** Replaces the configuration; it applies to the next command. */
  replace(config: FaultConfig): void {
    this.config = config;
  }

  /** How many faults of each kind were injected so far. */
  injected(): Record<FaultKind, number> {
    const kinds: FaultKind[] = [
      'transientError',
      'businessFailure',
      'latency',
      'crashAfterCommit',
      'dropReply',
      'duplicateReply',
    ];
    return Object.fromEntries(kinds.map((kind) => [kind, this.counts.get(kind) ?? 0])) as Record<
      FaultKind,
      number
    >;
  }

  /** `handlers` with latency, transient errors and business failures injected before they act. */
  wrapHandlers(participant: string, handlers: CommandHandlers): CommandHandlers {
    return Object.fromEntries(
      Object.entries(handlers).map(([type, handler]) => [type, this.wrap(participant, handler)]),
    );
  }

  /**
   * A reply interceptor for `participant`: crash after commit (at its N-th reply when
   * `crashAfterCommitAt` says so, else as drawn), drop or duplicate the reply.
   */
  replyInterceptor(participant: string): ReplyInterceptor {
    return (reply) => {
      const faults = this.faultsOf(participant);
      const nth = (this.replies.get(participant) ?? 0) + 1;
      this.replies.set(participant, nth);
      const forced = faults.crashAfterCommitAt === nth;
      if (forced) this.count('crashAfterCommit');
      if (forced || this.draw('crashAfterCommit', faults.crashAfterCommitRate)) {
        this.options.crash(participant);
        return [];
      }
      if (this.draw('dropReply', faults.dropReplyRate)) return [];
      if (this.draw('duplicateReply', faults.duplicateReplyRate)) return [reply, reply];
      return [reply];
    };
  }

  private wrap(participant: string, handler: CommandHandler): CommandHandler {
    return async (command, context) => {
      const faults = this.faultsOf(participant);
      if (faults.latencyMs > 0) {
        this.count('latency');
        await this.options.sleep(Math.floor(this.options.random() * faults.latencyMs));
      }
      const mayErr = command.action === 'execute' || faults.transientErrorsOnCompensations;
      if (mayErr && this.draw('transientError', faults.transientErrorRate)) {
        throw new Error(`injected transient fault in ${participant}`);
      }
      // A refused compensation would leave the saga stuck: business failures hit forward commands only.
      if (
        command.action === 'execute' &&
        this.draw('businessFailure', faults.businessFailureRate)
      ) {
        throw new BusinessRefusal('INJECTED_FAILURE', 'an injected business failure');
      }
      return handler(command, context);
    };
  }

  private faultsOf(participant: string): ParticipantFaults {
    return this.config[participant] ?? NO_FAULTS;
  }

  private draw(kind: FaultKind, rate: number): boolean {
    if (rate <= 0 || this.options.random() >= rate) return false;
    this.count(kind);
    return true;
  }

  private count(kind: FaultKind): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }
}
