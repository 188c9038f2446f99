import { Logger } from '@nestjs/common';
import type { Database } from '#postgres';
import type { WorkSignals } from '../common/work-signals.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { InterruptibleSleep } from '../common/interruptible-sleep.js';
import type { CommandGate } from './command-gate.js';
import {
  capacityCounts,
  releaseHeld,
  type CapacityCounts,
  type RestampCommand,
} from './held-commands.js';
import type { SagaAdmission } from './saga-admission.js';
import {
  probeOutcome,
  readProbeSteps,
  type ProbeCommand,
  type ProbeOutcome,
} from './probe-outcomes.js';
import { describeError } from '#errors';

/** The shortest pause between two rounds, so a stream of hints cannot turn the loop into a spin. */
const MIN_ROUND_GAP_MS = 20;

/**
 * While every count this instance knows (the last read, plus its own starts and commands since)
 * is under this share of its cap and nothing is held, the counts are read once every
 * RELAXED_POLLS polls; held commands are still released every poll. So the other instances are
 * seen up to RELAXED_POLLS polls late: they pass a cap only if they add more than this share of
 * it in that time.
 */
export const NEAR_CAP_SHARE = 0.5;
export const RELAXED_POLLS = 4;

/**
 * Every poll (and sooner when commands were held or outcomes came in): reads the counts behind
 * the caps from the database, then releases the held commands that participants may take now
 * (breaker closed and room under the cap, or a probe's worth when half-open). Far from the caps
 * it reads them less often (NEAR_CAP_SHARE): the read scans every saga in flight.
 */
export class CapacityMonitor {
  private readonly logger = new Logger(CapacityMonitor.name);
  private readonly pause = new InterruptibleSleep();
  private running = false;
  private loop: Promise<void> | undefined;
  /** Rounds since the counts were last read; the first round reads them. */
  private roundsSinceRead = Number.POSITIVE_INFINITY;
  /**
   * Per participant whose breaker is half-open, the probes this instance let through and has
   * not seen answered: their replies may be decided on another instance (the one that owns
   * their sagas' reply partitions), whose breaker learns the outcome, not this one's.
   */
  private readonly probes = new Map<string, ProbeCommand[]>();

  constructor(
    private readonly database: Database,
    private readonly gate: CommandGate,
    private readonly admission: SagaAdmission,
    private readonly signals: WorkSignals,
    private readonly pollMs: number,
    private readonly restamp: RestampCommand,
    private readonly fastPath: OutboxFastPath,
  ) {
    signals.onHeldWork(() => {
      if (this.gate.participantsWithHeld().length > 0 || this.admission.isFull) this.pause.wake();
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the loop now (a breaker changed state). */
  nudge(): void {
    this.pause.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  /**
   * One round: refresh the counts (when due: readsCounts), release what may go. Resolves with
   * the commands released.
   */
  async round(): Promise<number> {
    if (this.readsCounts()) {
      this.admission.beginCount();
      this.gate.beginCount();
      const { loads, sagasInFlight } = await this.readCounts();
      this.gate.updateLoads(loads);
      this.admission.update(sagasInFlight);
      this.roundsSinceRead = 0;
    } else this.roundsSinceRead++;
    await this.judgeProbes();
    let total = 0;
    for (const participant of this.gate.participantsWithHeld()) {
      const allowed = this.gate.releasable(participant);
      if (allowed === 0) continue;
      try {
        const { released, dropped, outbox, sent, unopenable } = await this.database.transaction(
          (sql) =>
            releaseHeld(
              sql,
              participant,
              allowed,
              this.gate.maxInFlight(participant),
              this.restamp,
            ),
        );
        // No removal deadlines: released commands keep their rows, marked sent, and their reply
        // timers move to the sent time (the release's transaction may have waited on locks).
        this.fastPath.publish(outbox.ids, outbox.rows);
        for (const command of unopenable) {
          this.logger.error(
            `the held command of saga ${command.sagaId} (step ${command.stepId}) to "${participant}" does not open: queued as it is, for the relay to set aside (${command.reason})`,
          );
        }
        // Commands that do not open never reach the participant: no probe is spent on them.
        this.gate.noteReleased(participant, allowed, released, dropped + unopenable.length);
        if (released > 0 && this.gate.breakerState(participant) === 'half-open') {
          this.probes.set(participant, [...(this.probes.get(participant) ?? []), ...sent]);
        }
        total += released;
      } catch (error) {
        // One participant's failure (the database's, say) must not hold back the others: they
        // are released, this one is tried again next round.
        this.gate.noteReleased(participant, allowed, 0, 0);
        this.logger.warn(
          `could not release the held commands of "${participant}", retrying: ${describeError(error)}`,
        );
      }
    }
    if (total > 0) this.signals.timerCommitted(Date.now());
    return total;
  }

  /**
   * Tells each half-open breaker what became of its probes, from their steps: the first one
   * answered closes or reopens it, as its reply would have on the instance that decided it. A
   * participant's probes are forgotten once its breaker has left half-open, or once none is left
   * waiting (one moved on otherwise: its deadline then reopens the breaker, as ever). A failed
   * read waits for the next round.
   */
  private async judgeProbes(): Promise<void> {
    for (const [participant, probes] of [...this.probes]) {
      if (this.gate.breakerState(participant) !== 'half-open') {
        this.probes.delete(participant);
        continue;
      }
      let outcomes: ProbeOutcome[];
      try {
        const steps = await this.readProbeSteps(probes);
        outcomes = probes.map((probe, index) => probeOutcome(steps[index], probe));
      } catch (error) {
        this.logger.warn(
          `could not read what became of the probes of "${participant}": ${describeError(error)}`,
        );
        continue;
      }
      const answered = outcomes.find((outcome) => outcome === 'healthy' || outcome === 'unhealthy');
      const waiting = probes.filter((_probe, index) => outcomes[index] === 'pending');
      if (answered !== undefined || waiting.length === 0) this.probes.delete(participant);
      else this.probes.set(participant, waiting);
      if (answered !== undefined) this.gate.noteProbeOutcome(participant, answered === 'healthy');
    }
  }

  /** The steps of `probes` as the database has them now. */
  protected readProbeSteps(probes: readonly ProbeCommand[]) {
    return readProbeSteps(this.database, probes);
  }

  /**
   * Whether this round reads the counts: every round while a count is at NEAR_CAP_SHARE of its
   * cap or commands are held (or the last read failed), else one round in RELAXED_POLLS.
   */
  readsCounts(): boolean {
    return (
      this.roundsSinceRead >= RELAXED_POLLS - 1 ||
      this.admission.count >= this.admission.limit * NEAR_CAP_SHARE ||
      this.gate.nearCap(NEAR_CAP_SHARE)
    );
  }

  /** The counts behind the caps, as the database has them now (one statement). */
  protected readCounts(): Promise<CapacityCounts> {
    return capacityCounts(this.database);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.round();
      } catch (error) {
        this.logger.warn(`capacity round failed, retrying: ${describeError(error)}`);
      }
      if (!this.running) break;
      await new Promise((resolve) => setTimeout(resolve, MIN_ROUND_GAP_MS));
      await this.pause.sleep(Math.max(0, this.pollMs - MIN_ROUND_GAP_MS));
    }
  }
}
