import { laneOf } from './outbox-lanes.js';

describe('laneOf', () => {
  it('puts a saga always in the same lane, within the lane count', () => {
    const lanes = new Set(Array.from({ length: 200 }, (_, i) => laneOf(`saga-${i}`, 8)));
    expect([...lanes].every((lane) => lane >= 0 && lane < 8)).toBe(true);
    expect(lanes.size).toBe(8);
    expect(laneOf('saga-1', 8)).toBe(laneOf('saga-1', 8));
  });
});
