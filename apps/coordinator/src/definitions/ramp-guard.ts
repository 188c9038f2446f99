import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import { RepeatingRound } from '../common/repeating-round.js';
import type { PostgresDefinitionStore, VersionOutcomes } from './definition-store.postgres.js';
import type { OutboxRow } from '../persistence/saga-rows.js';
import type { RampRollback } from './ramp-rollback-event.js';
import type { RegisteredDefinitions } from './registered-definitions.js';

/** When a ramp is rolled back: the new version fails this much more often, over enough sagas. */
export interface RampGuardOptions {
  /** How often the ramps are judged (ms). */
  readonly checkMs: number;
  /** The margin, as a fraction (0.2: 20 points), by which the ramp's failure share may exceed the active's. */
  readonly margin: number;
  /** The ramp's ended sagas needed before it is judged. */
  readonly minSagas: number;
}

/** Says a roll-back aloud: its event as an outbox row, then, once committed, the rest. */
export interface RampReporter {
  event(rollback: RampRollback): OutboxRow;
  /** Called after the commit with the outbox ids of the event (to publish it now, count it). */
  rolledBack(rollback: RampRollback, outboxIds: readonly string[], event: OutboxRow): void;
}

/**
 * Why a ramp must be rolled back, or undefined: once the ramping version has `minSagas` ended
 * sagas, its share of compensated and stuck ones exceeds the active version's by more than
 * `margin`.
 */
export function judgeRamp(
  ramp: VersionOutcomes,
  active: VersionOutcomes,
  options: Pick<RampGuardOptions, 'margin' | 'minSagas'>,
): string | undefined {
  if (ramp.ended < options.minSagas) return undefined;
  const share = (outcomes: VersionOutcomes) =>
    outcomes.ended === 0 ? 0 : outcomes.failed / outcomes.ended;
  const excess = share(ramp) - share(active);
  if (excess <= options.margin) return undefined;
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return (
    `version ${ramp.version} compensated or got stuck in ${ramp.failed} of ${ramp.ended} sagas ` +
    `(${percent(share(ramp))}), version ${active.version} in ${active.failed} of ${active.ended} ` +
    `(${percent(share(active))}): more than ${percent(options.margin)} apart`
  );
}

/**
 * Watches every ramp and drops it to 0% when the new version fails more often than the active
 * one by the configured margin (judgeRamp). Every instance judges; the route's revision lets
 * only one roll a ramp back: in one transaction it changes the route, records why in the
 * route's log and enqueues a `definition.ramp-rolled-back` event; then it logs a warning and
 * tells the reporter (which publishes the event and counts it).
 */
export class RampGuard {
  private readonly logger = new Logger('SagaDefinitions');
  private checking: RepeatingRound | undefined;

  constructor(
    private readonly store: PostgresDefinitionStore,
    private readonly definitions: RegisteredDefinitions,
    private readonly options: RampGuardOptions,
    private readonly reporter: RampReporter,
  ) {}

  /** Judges the ramps every `checkMs` until `stop`. */
  start(): void {
    this.checking = new RepeatingRound(this.options.checkMs, () =>
      this.check().then(
        () => undefined,
        (error: unknown) => this.logger.warn(`could not judge the ramps: ${describeError(error)}`),
      ),
    );
  }

  async stop(): Promise<void> {
    await this.checking?.stop();
    this.checking = undefined;
  }

  /** Judges every ramp now; the ramps this call rolled back. */
  async check(): Promise<RampRollback[]> {
    const rolledBack: RampRollback[] = [];
    for (const route of this.definitions.routes()) {
      const { ramp } = route;
      if (ramp === undefined || ramp.percent === 0) continue;
      let outcomes: VersionOutcomes[];
      try {
        outcomes = await this.store.outcomesSince(
          route.name,
          [route.active, ramp.version],
          ramp.since,
        );
      } catch (error) {
        // One ramp's count failing (a timeout) must not leave the ramps after it unjudged.
        this.logger.warn(
          `saga "${route.name}": could not judge the ramp of version ${ramp.version}: ${describeError(error)}`,
        );
        continue;
      }
      const of = (version: number) =>
        outcomes.find((o) => o.version === version) ?? { version, ended: 0, failed: 0 };
      const reason = judgeRamp(of(ramp.version), of(route.active), this.options);
      if (reason === undefined) continue;
      const rollback = { name: route.name, version: ramp.version, active: route.active, reason };
      const event = this.reporter.event(rollback);
      const changed = await this.store.changeRoute({
        route: { name: route.name, active: route.active, ramp: { ...ramp, percent: 0 } },
        replaces: route.revision,
        action: 'ramp-rolled-back',
        actor: 'coordinator',
        detail: reason,
        event,
      });
      // Another instance rolled it back, or an operator changed it; its active version cannot
      // be retired (retire refuses the active version).
      if (changed === false || changed === 'retired') continue;
      this.logger.warn(
        `saga "${route.name}": the ramp of version ${ramp.version} (${ramp.percent}%) is rolled back to 0%: ${reason}`,
      );
      this.reporter.rolledBack(rollback, changed, event);
      rolledBack.push(rollback);
    }
    if (rolledBack.length > 0) await this.definitions.catchUp();
    return rolledBack;
  }
}
