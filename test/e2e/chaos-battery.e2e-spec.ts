// The chaos battery at a CI size, and once more with the kit's dedupe turned off to prove the
// checker catches duplicate effects. `npm run chaos -- --sagas N` (scripts/chaos.sh) runs the
// first one larger: CHAOS_SAGAS and CHAOS_KILLS set its size.
import { formatReport, runChaos } from '../chaos/chaos-battery.js';

const sagas = Number(process.env.CHAOS_SAGAS ?? 40);
const kills = Number(process.env.CHAOS_KILLS ?? 2);

describe('the chaos battery', () => {
  it('ends every saga with no effect applied twice under faults, kills and junk', async () => {
    const report = await runChaos({ sagas, kills });
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
  }, 900_000);

  it('reports duplicate effects when the participants run with the dedupe turned off', async () => {
    const report = await runChaos({ sagas: 20, kills: 0, dedupe: false });
    console.log(formatReport(report));
    expect(report.violations.effectsAppliedTwice.length).toBeGreaterThan(0);
  }, 600_000);
});
