import {
  EMPTY_FILTER,
  filterFromParams,
  filterToParams,
  sagaQuery,
  type SagaFilter,
} from './saga-filter.js';

describe('sagaQuery', () => {
  it('is empty for the empty filter: every saga', () => {
    expect(sagaQuery(EMPTY_FILTER)).toBe('');
  });

  it('joins each set field with && as the query language compares it', () => {
    const filter: SagaFilter = {
      ...EMPTY_FILTER,
      type: 'order',
      version: '2',
      statuses: ['compensating', 'stuck'],
      participant: 'payment',
      errorCode: 'CARD_DECLINED',
    };
    expect(sagaQuery(filter)).toBe(
      'sagaType == "order" && participant == "payment" && errorCode == "CARD_DECLINED" && ' +
        'version == 2 && status in ["compensating", "stuck"]',
    );
  });

  it('compares one status with ==, and quotes and escapes every text', () => {
    const filter = { ...EMPTY_FILTER, statuses: ['stuck'], idempotencyKey: 'a"b\\c' };
    expect(sagaQuery(filter)).toBe('idempotencyKey == "a\\"b\\\\c" && status == "stuck"');
  });

  it('turns the creation range, in local time, into UTC timestamps, the end excluded', () => {
    const filter = {
      ...EMPTY_FILTER,
      createdFrom: '2026-12-01T10:00',
      createdTo: '2026-12-02T00:00',
    };
    // The expected instants from the fields' numbers and the zone's offset at that time, not by
    // parsing the same text as the code does: right in any time zone the tests run in.
    const utc = (day: number, hour: number) => {
      const offsetMinutes = new Date(2026, 11, day, hour, 0).getTimezoneOffset();
      return new Date(Date.UTC(2026, 11, day, hour, 0) + offsetMinutes * 60_000).toISOString();
    };
    expect(sagaQuery(filter)).toBe(
      `createdAt >= timestamp("${utc(1, 10)}") && createdAt < timestamp("${utc(2, 0)}")`,
    );
    expect(utc(1, 10)).toMatch(/^2026-12-0[12]T\d\d:\d\d:00\.000Z$/);
  });

  it('adds the raw expression last, in parentheses when fields come before it', () => {
    const raw = 'updatedAt < now - duration("15m") || step == "x"';
    expect(sagaQuery({ ...EMPTY_FILTER, expression: raw })).toBe(raw);
    expect(sagaQuery({ ...EMPTY_FILTER, type: 'order', expression: raw })).toBe(
      `sagaType == "order" && (${raw})`,
    );
  });

  it('leaves out a version that is not a whole number', () => {
    expect(sagaQuery({ ...EMPTY_FILTER, version: '2a' })).toBe('');
  });
});

describe('the filter in the address', () => {
  it('keeps only the set fields, and reads back the same filter', () => {
    const filter: SagaFilter = {
      ...EMPTY_FILTER,
      type: 'order',
      statuses: ['running', 'stuck'],
      expression: 'step == "a b"',
    };
    const params = filterToParams(filter);
    expect(params.toString()).toBe(
      'type=order&statuses=running%2Cstuck&expression=step+%3D%3D+%22a+b%22',
    );
    expect(filterFromParams(new URLSearchParams(params.toString()))).toEqual(filter);
  });

  it('ignores unknown statuses and parameters', () => {
    const filter = filterFromParams(new URLSearchParams('statuses=running,bogus&other=1'));
    expect(filter).toEqual({ ...EMPTY_FILTER, statuses: ['running'] });
  });
});
