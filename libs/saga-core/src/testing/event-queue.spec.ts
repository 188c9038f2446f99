import fc from 'fast-check';
import { EventQueue } from './event-queue.js';

describe('the event queue', () => {
  it('gives items in time order, and in insertion order at the same time', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((at, index) => queue.push(at, index));
        const popped: number[] = [];
        for (let next = queue.pop(); next !== undefined; next = queue.pop()) popped.push(next.item);
        const expected = times
          .map((at, index) => ({ at, index }))
          .sort((a, b) => a.at - b.at || a.index - b.index);
        expect(popped).toEqual(expected.map((entry) => entry.index));
        expect(queue.size).toBe(0);
      }),
    );
  });
});
