import type { CommandMessage } from '#contracts';
import { limitsOf, type ResilienceConfig } from '../config/resilience-config.js';
import { Listeners } from '../common/listeners.js';
import type { ParticipantLoad } from './held-commands.js';
import {
  ParticipantBreaker,
  type BreakerChange,
  type BreakerState,
  type BreakerSnapshot,
} from './participant-breaker.js';

/** A participant's commands in flight and held. */
interface Load {
  inFlight: number;
  held: number;
}

/** What to do with a new command: send it, hold it in the database, or refuse it (breaker open). */
export type Admission = 'send' | 'hold' | 'refused';

/** A participant as `GET /participants` shows it. */
export interface ParticipantStatus {
  readonly participant: string;
  readonly breaker: BreakerSnapshot;
  readonly commandsInFlight: number;
  readonly commandsHeld: number;
  readonly maxCommandsInFlight: number;
}

/**
 * Decides, on this instance, whether commands may go to a participant: its breaker must let
 * traffic through and its commands in flight must stay under its cap. Counts come from the
 * database every poll (so they cover every instance) plus what this instance sent since.
 * Once a participant has held commands, new ones queue behind them: first held, first sent.
 */
export class CommandGate {
  private readonly breakers = new Map<string, ParticipantBreaker>();
  private loads = new Map<string, Load>();
  /**
   * Commands sent and held on this instance since the count being read began (beginCount): the
   * read may not see them. Undefined while no read is under way.
   */
  private duringRead: Map<string, Load> | undefined;
  private readonly changes = new Listeners<BreakerChange>();

  constructor(private readonly config: ResilienceConfig) {}

  /** Calls `listener` on every breaker's change of state. */
  onBreakerChange(listener: (change: BreakerChange) => void): void {
    this.changes.subscribe(listener);
  }

  /**
   * Decides for a new command; counts it as in flight when it may go. `behindHeld`: its saga has
   * a command held for the participant, which it must not overtake (this instance's counts may
   * not show that one yet: another instance held it).
   */
  admit(command: CommandMessage, behindHeld = false): Admission {
    const participant = command.participant;
    const breaker = this.breaker(participant);
    if (breaker.state === 'open') return 'refused';
    const load = this.load(participant);
    if (
      behindHeld ||
      breaker.state === 'half-open' ||
      load.held > 0 ||
      load.inFlight >= breaker.limits.maxCommandsInFlight
    ) {
      this.count(participant, 'held', 1);
      return 'hold';
    }
    this.count(participant, 'inFlight', 1);
    return 'send';
  }

  /** Notes a command held after all (a refused one whose step waits). */
  noteHeld(participant: string): void {
    this.count(participant, 'held', 1);
  }

  /** Gives back what `admit` or `noteHeld` counted for a command whose decision did not commit. */
  withdraw(participant: string, admission: 'send' | 'hold'): void {
    this.count(participant, admission === 'send' ? 'inFlight' : 'held', -1);
  }

  /** The participant's cap on commands in flight. */
  maxInFlight(participant: string): number {
    return this.breaker(participant).limits.maxCommandsInFlight;
  }

  /** How many of `participant`'s held commands may go now. */
  releasable(participant: string): number {
    const breaker = this.breaker(participant);
    const load = this.load(participant);
    if (breaker.state === 'open') return 0;
    const room = Math.max(0, breaker.limits.maxCommandsInFlight - load.inFlight);
    if (breaker.state === 'closed') return Math.min(room, load.held);
    return breaker.takeProbes(Math.min(room, load.held));
  }

  /**
   * Notes commands released from the database (they are in flight now), out of `allowed`: a
   * probe that sent nothing (its command was stale, or another instance took it) is given back,
   * or a half-open breaker could wait forever for an outcome.
   */
  noteReleased(participant: string, allowed: number, released: number, dropped: number): void {
    this.count(participant, 'inFlight', released);
    const load = this.load(participant);
    load.held = Math.max(0, load.held - released - dropped);
    this.breaker(participant).returnProbes(allowed - released);
  }

  /** Call before reading the counts from the database (see updateLoads). */
  beginCount(): void {
    this.duringRead = new Map();
  }

  /**
   * Replaces the counts with the database's, read since `beginCount`, plus the commands this
   * instance sent and held meanwhile, which the read may have missed: counting one twice errs on
   * the safe side (under the cap, behind the held) until the next read.
   */
  updateLoads(loads: ReadonlyMap<string, ParticipantLoad>): void {
    const merged = new Map([...loads].map(([participant, load]) => [participant, { ...load }]));
    for (const [participant, noted] of this.duringRead ?? []) {
      const load = merged.get(participant) ?? { inFlight: 0, held: 0 };
      merged.set(participant, {
        inFlight: load.inFlight + Math.max(0, noted.inFlight),
        held: load.held + Math.max(0, noted.held),
      });
    }
    this.loads = merged;
    this.duringRead = undefined;
  }

  /** Adds `delta` to a count, and to what was noted since the read under way began. */
  private count(participant: string, field: keyof Load, delta: number): void {
    const load = this.load(participant);
    load[field] = Math.max(0, load[field] + delta);
    if (this.duringRead === undefined) return;
    const noted = this.duringRead.get(participant) ?? { inFlight: 0, held: 0 };
    noted[field] += delta;
    this.duringRead.set(participant, noted);
  }

  /** The state of a participant's breaker. */
  breakerState(participant: string): BreakerState {
    return this.breaker(participant).state;
  }

  /**
   * Counts the outcome of a probe this instance let through, decided on another instance (its
   * reply came to that one's partition): for the breaker only, the counts come from the database.
   */
  noteProbeOutcome(participant: string, healthy: boolean): void {
    this.breaker(participant).record(healthy);
  }

  /** Counts an outcome for a participant's breaker. */
  recordOutcome(participant: string, healthy: boolean): void {
    const load = this.load(participant);
    load.inFlight = Math.max(0, load.inFlight - 1);
    this.breaker(participant).record(healthy);
  }

  /**
   * Whether a participant has commands held, or in flight at `share` of its cap or more (a
   * participant this instance has not seen has neither).
   */
  nearCap(share: number): boolean {
    return [...this.loads].some(
      ([participant, load]) =>
        load.held > 0 ||
        load.inFlight >= limitsOf(this.config, participant).maxCommandsInFlight * share,
    );
  }

  /** Participants this instance knows, with held commands first to release. */
  participantsWithHeld(): string[] {
    return [...this.loads].filter(([, load]) => load.held > 0).map(([participant]) => participant);
  }

  status(participants: readonly string[]): ParticipantStatus[] {
    const names = [...new Set([...participants, ...this.breakers.keys()])].sort();
    return names.map((participant) => {
      const breaker = this.breaker(participant);
      const load = this.load(participant);
      return {
        participant,
        breaker: breaker.snapshot(),
        commandsInFlight: load.inFlight,
        commandsHeld: load.held,
        maxCommandsInFlight: breaker.limits.maxCommandsInFlight,
      };
    });
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }

  private breaker(participant: string): ParticipantBreaker {
    let breaker = this.breakers.get(participant);
    if (!breaker) {
      breaker = new ParticipantBreaker(participant, limitsOf(this.config, participant), (change) =>
        this.changes.emit(change),
      );
      this.breakers.set(participant, breaker);
    }
    return breaker;
  }

  private load(participant: string): { inFlight: number; held: number } {
    let load = this.loads.get(participant);
    if (!load) {
      load = { inFlight: 0, held: 0 };
      this.loads.set(participant, load);
    }
    return load;
  }
}
