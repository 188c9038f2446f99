import { formatFields, formatTable, shortTime } from './output-format.js';

describe('formatTable', () => {
  it('pads each column to its widest cell under an upper-case header, the last one unpadded', () => {
    const table = formatTable(
      ['saga id', 'status', 'reason'],
      [
        ['a', 'running', null],
        ['bbbbbbbbbb', 'compensated', 'payment\ndeclined'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'SAGA ID     STATUS       REASON',
      'a           running      -',
      'bbbbbbbbbb  compensated  payment declined',
    ]);
  });

  it('prints the header alone for no rows', () => {
    expect(formatTable(['id', 'key'], [])).toBe('ID  KEY');
  });
});

describe('formatFields', () => {
  it('aligns the values and leaves out the undefined ones', () => {
    expect(
      formatFields([
        ['Saga', 's-1'],
        ['Reason', undefined],
        ['Status', 'stuck'],
      ]),
    ).toBe('Saga:    s-1\nStatus:  stuck');
  });
});

describe('shortTime', () => {
  it('cuts an ISO time to the second', () => {
    expect(shortTime('2026-05-01T12:00:03.456Z')).toBe('2026-05-01T12:00:03Z');
    expect(shortTime(null)).toBe('-');
  });
});
