import { jest } from '@jest/globals';
import { StartupPhases, StartupTimeoutError } from './startup-phases.js';

const phase = {
  name: 'database connect',
  timeoutMs: 1_000,
  setting: 'STARTUP_DATABASE_TIMEOUT_MS',
};

describe('start-up phases', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function recorder() {
    const lines: string[] = [];
    let clock = 0;
    const phases = new StartupPhases(
      (line) => lines.push(line),
      () => clock,
    );
    return { lines, phases, advance: (ms: number) => (clock += ms) };
  }

  it('writes a line when a phase begins and one when it ends', async () => {
    const { lines, phases, advance } = recorder();
    await phases.run(phase, async () => void advance(12));
    expect(lines).toEqual([
      'startup: database connect ...',
      'startup: database connect done in 12 ms',
    ]);
  });

  it('fails a phase that outlives its timeout, naming it and its setting', async () => {
    const { lines, phases } = recorder();
    const running = phases.run(phase, () => new Promise<never>(() => undefined));
    const failed = expect(running).rejects.toThrow(
      new StartupTimeoutError(
        'start-up phase "database connect" did not finish within 1000 ms (STARTUP_DATABASE_TIMEOUT_MS)',
      ),
    );
    await jest.advanceTimersByTimeAsync(1_000);
    await failed;
    expect(lines.at(-1)).toMatch(/^startup: database connect FAILED after \d+ ms: start-up phase/);
  });

  it('says a tracked phase is still waiting past its timeout, and why, without failing it', async () => {
    const { lines, phases } = recorder();
    let join = (): void => undefined;
    const joined = new Promise<void>((resolve) => (join = resolve));
    phases.track({ ...phase, name: 'consumers joining' }, joined, () => 'joining their groups');
    await jest.advanceTimersByTimeAsync(1_000);
    join();
    await jest.advanceTimersByTimeAsync(0);
    expect(lines).toEqual([
      'startup: consumers joining ...',
      'startup: consumers joining still waiting after 1000 ms (STARTUP_DATABASE_TIMEOUT_MS): joining their groups',
      'startup: consumers joining done in 0 ms',
    ]);
  });
});
