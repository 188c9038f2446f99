// The harness of the process tests: a coordinator killed before it printed anything (still
// loading its modules) counts as exited at once, not as a silent process that never listens.
// A SIGKILLed child has no exit code (only a signal): that once made the chaos battery wait
// 90 s on dead restarts and report them as "silent restarts".
import { killHard, launchCoordinator } from '../support/coordinator-processes.js';

describe('a coordinator process killed while it starts', () => {
  it('is seen dead at once: its URL is refused, saying how it ended', async () => {
    const coordinator = launchCoordinator({}, 60_000);
    await killHard(coordinator);
    await expect(coordinator.url).rejects.toThrow(/exited early \(signal SIGKILL\)/);
    expect(coordinator.service.hasExited()).toBe(true);
  }, 90_000);
});
