import { ArrivalRate } from './arrival-rate.js';

describe('ArrivalRate', () => {
  it('is zero before anything is counted', () => {
    expect(new ArrivalRate().perSecond(5_000)).toEqual({ records: 0, bytes: 0 });
  });

  it('sums what came in over the last second, the current slice included', () => {
    const rate = new ArrivalRate();
    rate.add(10_000, 3, 300);
    rate.add(10_450, 2, 200);
    rate.add(10_950, 1, 100);

    expect(rate.perSecond(10_950)).toEqual({ records: 6, bytes: 600 });
  });

  it('forgets each slice a second after it, slice by slice', () => {
    const rate = new ArrivalRate();
    rate.add(10_000, 3, 300);
    rate.add(10_500, 2, 200);

    expect(rate.perSecond(10_999)).toEqual({ records: 5, bytes: 500 });
    expect(rate.perSecond(11_000)).toEqual({ records: 2, bytes: 200 });
    expect(rate.perSecond(11_499)).toEqual({ records: 2, bytes: 200 });
    expect(rate.perSecond(11_500)).toEqual({ records: 0, bytes: 0 });
  });

  it('starts afresh after a long silence', () => {
    const rate = new ArrivalRate();
    for (let ms = 0; ms < 1_000; ms += 100) rate.add(ms, 1, 10);
    expect(rate.perSecond(999)).toEqual({ records: 10, bytes: 100 });

    rate.add(60_000, 4, 40);

    expect(rate.perSecond(60_000)).toEqual({ records: 4, bytes: 40 });
  });

  it('counts times before its origin like any other', () => {
    const rate = new ArrivalRate();
    rate.add(-250, 2, 20);
    rate.add(-50, 1, 10);

    expect(rate.perSecond(0)).toEqual({ records: 3, bytes: 30 });
    expect(rate.perSecond(800)).toEqual({ records: 1, bytes: 10 });
  });

  it('ignores a time that is not a number, and counts an earlier time in the current slice', () => {
    const rate = new ArrivalRate();
    rate.add(5_000, 1, 10);
    rate.add(Number.NaN, 7, 70);
    rate.add(4_000, 2, 20);

    expect(rate.perSecond(Number.NaN)).toEqual({ records: 3, bytes: 30 });
    expect(rate.perSecond(5_999)).toEqual({ records: 3, bytes: 30 });
    expect(rate.perSecond(6_000)).toEqual({ records: 0, bytes: 0 });
  });
});
