import { cpuBetween, parseKbField, parseListeningInodes, parseStat } from './process-stats.js';

describe('parseStat', () => {
  it('reads the command, the parent and the CPU seconds, even when the command has spaces and parentheses', () => {
    const line =
      '2197 (postgres: a (b)) S 2196 2196 2196 0 -1 4194624 9 0 0 0 150 50 320 80 20 0 1 0 3 1 1';
    expect(parseStat(line)).toEqual({
      comm: 'postgres: a (b)',
      ppid: 2196,
      cpuSeconds: 2,
      reapedChildrenCpuSeconds: 4,
    });
  });
});

describe('parseKbField', () => {
  const status = 'Name:\tnode\nVmHWM:\t  90000 kB\nVmRSS:\t  81234 kB\nPss:  512 kB\n';

  it('reads a field in kB', () => {
    expect(parseKbField(status, 'VmRSS')).toBe(81234);
    expect(parseKbField(status, 'Pss')).toBe(512);
  });

  it('is undefined when the field is missing', () => {
    expect(parseKbField(status, 'VmSwap')).toBeUndefined();
  });
});

describe('parseListeningInodes', () => {
  const netTcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:25D4 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1',
    '   1: 0100007F:25D4 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1',
    '   2: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   104        0 4444 1',
  ].join('\n');

  it('finds the sockets listening on the port, not its connections', () => {
    expect(parseListeningInodes(netTcp, 9684)).toEqual(['4242']);
  });

  it('finds none on a port nobody listens on', () => {
    expect(parseListeningInodes(netTcp, 9092)).toEqual([]);
  });
});

describe('cpuBetween', () => {
  const before = new Map([
    [1, 10],
    [2, 5],
  ]);
  const after = new Map([
    [1, 12.5],
    [3, 1],
  ]);

  it('sums what each process spent, one that started in between from zero', () => {
    expect(cpuBetween(before, after)).toBe(3.5);
  });

  it('keeps to the processes asked for, and skips one that is gone', () => {
    expect(cpuBetween(before, after, [1, 2])).toBe(2.5);
  });
});
