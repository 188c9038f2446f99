// The chaos battery at a CI size, and once more with the kit's dedupe turned off to prove the
// checker catches duplicate effects. `npm run chaos` (scripts/chaos.sh) runs the first one at
// full size: the CHAOS_* variables set its size and its disruptions.
import { formatReport, runChaos } from '../chaos/chaos-battery.js';

const sagas = Number(process.env.CHAOS_SAGAS ?? 40);
const kills = Number(process.env.CHAOS_KILLS ?? 2);
const optional = (name: string) =>
  process.env[name] === undefined ? undefined : Number(process.env[name]);
const disruptions = {
  brokerRestarts: optional('CHAOS_BROKER_RESTARTS'),
  backendTerminations: optional('CHAOS_DB_SWEEPS') ?? 1,
  duplicateShare: optional('CHAOS_DUPLICATE_SHARE'),
  poison: optional('CHAOS_POISON') ?? 18,
  rate: optional('CHAOS_RATE'),
  keepEvidence: process.env.CHAOS_KEEP_EVIDENCE === 'true',
};

describe('the chaos battery', () => {
  it('ends every saga with no effect applied twice under faults, kills and junk', async () => {
    const report = await runChaos({ sagas, kills, ...disruptions });
    console.log(formatReport(report));
    expect(report.sagas).toBe(sagas);
    expect(report.participantCrashes).toBeGreaterThanOrEqual(1);
    expect(report.violations).toEqual({
      notTerminal: [],
      stuckWithoutReason: [],
      effectsAppliedTwice: [],
      effectsAgainstOutcomes: [],
      repliesAppliedTwice: [],
      compensationOutOfOrder: [],
      commandsUnanswered: [],
      unsentOutbox: [],
      malformedNotDeadLettered: [],
    });
  }, 3_600_000);

  it('reports duplicate effects when the participants run with the dedupe turned off', async () => {
    const report = await runChaos({ sagas: 20, kills: 0, dedupe: false });
    console.log(formatReport(report));
    expect(report.violations.effectsAppliedTwice.length).toBeGreaterThan(0);
  }, 600_000);
});
