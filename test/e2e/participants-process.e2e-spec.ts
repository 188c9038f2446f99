// The sample participants as their own process, stopped while they start (their broker not
// reachable yet, so they never get to join): SIGTERM ends them at once with 143. Unhandled, it
// killed them here; as a container's PID 1, node ignores a signal it has no handler for, and a
// rollout waited out the grace period for a SIGKILL.
import { startService } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

describe('the sample participants stopped while they start', () => {
  it('exit with 143 on SIGTERM', async () => {
    const participants = startService('dist/apps/sample-participants/src/main.js', {
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    await waitFor('the participants to try their broker', () =>
      participants.output().includes('Failed to connect to seed broker'),
    );

    expect(await participants.stop('SIGTERM')).toBe(143);
    expect(participants.output()).toContain('SIGTERM during start-up: exiting');
  }, 60_000);
});
