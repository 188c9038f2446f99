import { DatabaseClock } from './database-clock.js';

/** A clock on a local time the test sets. */
function clockAt(start: number) {
  const local = { now: start };
  return { local, clock: new DatabaseClock(() => local.now) };
}

describe('DatabaseClock', () => {
  it('knows no time before a reading', () => {
    expect(clockAt(0).clock.now()).toBeUndefined();
  });

  it('follows the local clock at the offset last seen', () => {
    const { local, clock } = clockAt(1_000_000);
    clock.observe(1_000_250);
    local.now = 1_000_100;
    expect(clock.now()).toBe(1_000_350);
    clock.observe(1_000_050); // the offset is now -50
    local.now = 1_000_200;
    // ...but the clock never gives a time before one it gave.
    expect(clock.now()).toBe(1_000_350);
    local.now = 1_000_500;
    expect(clock.now()).toBe(1_000_450);
  });

  it('never goes back past a reading', () => {
    const { local, clock } = clockAt(1_000_000);
    clock.observe(2_000_000);
    local.now = 900_000;
    expect(clock.now()).toBe(2_000_000);
  });

  it('follows the database’s clock back when it stepped back by more than its jitter', () => {
    const { local, clock } = clockAt(1_000_000);
    clock.observe(5_000_000);
    local.now = 1_000_010;
    clock.observe(5_000_010 - 3_600_000); // an NTP step of an hour back
    local.now = 1_000_020;
    expect(clock.now()).toBe(5_000_020 - 3_600_000);
  });

  it('ignores a reading that is not a time', () => {
    const { clock } = clockAt(0);
    clock.observe(Number.NaN);
    expect(clock.now()).toBeUndefined();
  });

  it('reads the process clock by default, from the offset seen', () => {
    const clock = new DatabaseClock();
    clock.observe(5_000);
    const first = clock.now()!;
    expect(first).toBeGreaterThanOrEqual(5_000);
    expect(first).toBeLessThan(5_000 + 60_000);
  });
});
