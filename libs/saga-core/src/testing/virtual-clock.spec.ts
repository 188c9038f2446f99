import { VirtualClock } from './virtual-clock.js';

describe('the virtual clock', () => {
  it('starts at the time given and moves only when told', () => {
    const clock = new VirtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.advance(5_000)).toBe(6_000);
    expect(clock.now()).toBe(6_000);
  });

  it('never moves back', () => {
    const clock = new VirtualClock(100);
    expect(clock.advanceTo(50)).toBe(100);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
