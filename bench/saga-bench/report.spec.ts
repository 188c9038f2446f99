import * as prettier from 'prettier';
import type { BenchRun, RateResult, SystemResult } from './bench-result.js';
import {
  BEGIN_MARKER,
  END_MARKER,
  formatNumber,
  formatRows,
  idleLine,
  markdownTable,
  renderReport,
  replaceBetweenMarkers,
  summaryTable,
  targetsTable,
} from './report.js';

function rate(rate: number, sagasPerSecond: number, p99: number, sustained = true): RateResult {
  return {
    rate,
    started: rate * 10,
    completed: rate * 9,
    compensated: rate,
    wrongOutcome: 0,
    sagasPerSecond,
    latencyMs: { p50: p99 / 3, p95: p99 / 2, p99, max: p99 * 2 },
    perStepMs: p99 / 9,
    cpuMsPerSaga: {
      processes: { coordinator: 0.6, 'echo participant': 0.2 },
      kafka: 0.15,
      postgres: 0.2,
      total: 1.15,
      harness: 0.1,
      postgresServer: 0.3,
    },
    dbTransactionsPerSaga: 4,
    kafkaMessagesPerSaga: 11,
    peakMemoryMb: {
      processes: { coordinator: 180, 'echo participant': 90 },
      kafka: 400,
      postgresPss: 160,
      harness: 120,
    },
    sustained,
    shortfalls: sustained ? [] : ['p99 1500 ms is not under 1000 ms'],
  };
}

function run(systems: SystemResult[]): BenchRun {
  return {
    startedAt: '2025-01-02T03:04:05.000Z',
    command: 'RATES=100,200 npm run bench',
    settings: {
      rates: [100, 200],
      stepSeconds: 15,
      warmupSeconds: 5,
      drainSeconds: 30,
      settleSeconds: 3,
      maxP99Ms: 1_000,
      minThroughputShare: 0.95,
    },
    machine: {
      cpu: 'AMD EPYC',
      cores: 2,
      memoryGb: 23.5,
      os: 'Linux 6.1',
      node: 'v24.0.0',
      kafka: 'Apache Kafka 4.0.0',
      postgres: 'PostgreSQL 15.2 on x86_64-pc-linux-gnu',
      postgresSettings: { fsync: 'on', synchronous_commit: 'on' },
      kafkaSettings: { 'min.insync.replicas': '1' },
      disk: '4 KiB write + fsync: median 1.00 ms',
    },
    systems,
  };
}

const coordinator: SystemResult = {
  name: 'coordinator',
  rates: [rate(100, 98, 40), rate(200, 196, 90), rate(400, 300, 1_500, false)],
  idle: {
    seconds: 10,
    cores: {
      processes: { coordinator: 0.05, 'echo participant': 0.01 },
      kafka: 0.04,
      postgres: 0.003,
      total: 0.103,
    },
  },
};
const floor: SystemResult = { name: 'floor', rates: [rate(100, 99, 10), rate(200, 245, 20)] };
const dbos: SystemResult = { name: 'dbos', rates: [rate(100, 19.6, 400)], error: 'gone\nstack' };
const posting = (r: RateResult, p99: number): RateResult => ({
  ...r,
  startLatencyMs: { p50: p99 / 4, p99, max: p99 * 2, refused: 0 },
});
const overHttp: SystemResult = {
  name: 'coordinator-http',
  rates: [posting(rate(1_000, 990, 80), 20), posting(rate(2_000, 1_980, 95), 60)],
};

const staged: SystemResult = {
  name: 'coordinator-document',
  rates: [
    {
      ...rate(100, 100, 60),
      stagesMs: { startAgeMs: 3.2, startDecisionMs: 4.1, replyAgeMs: 7.25, replyDecisionMs: 5 },
    },
    rate(200, 200, 70),
  ],
};

describe('formatNumber', () => {
  it('groups thousands and keeps the decimals asked for', () => {
    expect(formatNumber(2345.678, 1)).toBe('2,345.7');
  });

  it('shows a dash for a missing or non-finite value', () => {
    expect([null, undefined, Number.NaN].map((value) => formatNumber(value))).toEqual([
      '–',
      '–',
      '–',
    ]);
  });
});

describe('formatRows', () => {
  it('shows rows inserted, updated with the HOT ones in brackets, and deleted', () => {
    const rows = { inserted: 12.04, updated: 3.2, hotUpdated: 2.2, deleted: 7 };
    expect(formatRows(rows)).toBe('12.0/3.2 (2.2)/7.0');
  });

  it('shows a dash for a run that did not count them', () => {
    expect(formatRows(undefined)).toBe('–');
  });
});

describe('markdownTable', () => {
  it('pads every column and aligns numbers right', () => {
    expect(
      markdownTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bb', '10'],
        ],
      ),
    ).toBe(['| name |   n |', '| ---- | --: |', '| a    |   1 |', '| bb   |  10 |'].join('\n'));
  });
});

describe('summaryTable', () => {
  it('shows each system at its highest sustained rate and the coordinator over it', () => {
    const table = summaryTable(run([coordinator, floor, dbos]));
    expect(table).toContain('| coordinator ');
    expect(table).toMatch(/\| floor +\| +200 \| +245 \| .* \| +0\.80 \|/);
    expect(table).toMatch(/\| dbos \(failed: gone\) +\| +100 \| +20 \| .* \| +10\.00 \|/);
  });

  it('shows what each system used idle, a dash when not measured', () => {
    const table = summaryTable(run([coordinator, floor]));
    expect(table).toContain('| idle CPU, cores |');
    expect(table).toMatch(/\| coordinator .*\| +0\.10 \|$/m);
    expect(table).toMatch(/\| floor .*\| +– \|$/m);
  });

  it('says none when a system sustained no rate', () => {
    const table = summaryTable(
      run([{ name: 'coordinator', rates: [rate(100, 50, 2_000, false)] }]),
    );
    expect(table).toMatch(/\| coordinator \| none /);
  });
});

describe('targetsTable', () => {
  it('checks the targets against the run', () => {
    const table = targetsTable(run([coordinator, floor, dbos]));
    expect(table).toMatch(
      /≥ 2,000 sagas\/s with p99 < 100 ms +\| 196 sagas\/s, p99 90\.0 ms +\| no /,
    );
    expect(table).toMatch(/≥ 10× dbos +\| 10\.00× +\| yes /);
    expect(table).toMatch(/≤ 1.5 ms CPU per saga, every process +\| 1\.15 ms at 200\/s +\| yes /);
    expect(table).toMatch(/≥ 80 % of the floor +\| 80 % +\| yes /);
    expect(table).toMatch(/< 5 ms per step \(p50\) at 100 sagas\/s +\| 4\.4 ms +\| yes /);
    expect(table).toMatch(/coordinator-http not measured +\| – /);
    expect(table).toMatch(
      /coordinator RSS < 300 MB at its highest sustained rate +\| 180 MB at 200\/s +\| yes /,
    );
  });

  it('takes the highest rate of POST /sagas whose POSTs were answered within the bound', () => {
    const table = targetsTable(run([coordinator, overHttp]));
    expect(table).toMatch(
      /POST \/sagas: ≥ 2,000 starts\/s with p99 < 50 ms +\| 1,000 starts\/s, POST p99 20\.0 ms +\| no /,
    );
  });

  it("says when the coordinator's memory was not sampled at its highest sustained rate", () => {
    const unsampled = rate(100, 98, 40);
    const blind: SystemResult = {
      name: 'coordinator',
      rates: [
        {
          ...unsampled,
          peakMemoryMb: {
            ...unsampled.peakMemoryMb,
            processes: { ...unsampled.peakMemoryMb.processes, coordinator: null },
          },
        },
      ],
    };
    expect(targetsTable(run([blind]))).toMatch(/RSS < 300 MB .*\| not sampled at 100\/s +\| – /);
  });

  it('says when there is no sustained rate to compare', () => {
    const slow: SystemResult = { name: 'dbos', rates: [rate(100, 10, 2_000, false)] };
    expect(targetsTable(run([coordinator, slow]))).toMatch(
      /≥ 10× dbos +\| no sustained rate to compare +\| – /,
    );
  });

  it('leaves a comparison open when its system was not measured', () => {
    const table = targetsTable(run([coordinator]));
    expect(table).toMatch(/dbos not measured +\| – /);
    expect(table).toMatch(/floor not measured +\| – /);
  });
});

describe('renderReport', () => {
  it('is Markdown that Prettier leaves as it is, so `npm run lint` passes on the doc', async () => {
    const text = replaceBetweenMarkers(
      `# Benchmarks\n\n${BEGIN_MARKER}\n\n${END_MARKER}\n`,
      renderReport(run([coordinator, overHttp, staged, floor, dbos])),
    );
    expect(
      await prettier.format(text, { parser: 'markdown', singleQuote: true, printWidth: 100 }),
    ).toBe(text);
  });

  it('has the command, the machine and a table per system', () => {
    const text = renderReport(run([coordinator]));
    expect(text).toContain('Command: `RATES=100,200 npm run bench`');
    expect(text).toContain('- CPU: AMD EPYC, 2 cores; RAM 23.5 GB; Linux 6.1');
    expect(text).toContain('#### coordinator');
    expect(text).toContain('CPU ms echo participant');
    expect(text).toContain('no: p99 1500 ms is not under 1000 ms');
    expect(text).not.toContain('POST p99 ms');
    expect(text).toContain(idleLine(coordinator));
  });

  it('says how long each system was measured idle', () => {
    const base = run([coordinator]);
    const text = renderReport({ ...base, settings: { ...base.settings, idleSeconds: 10 } });
    expect(text).toContain('Idle: 10 s with no saga before the ladder.');
    expect(renderReport(base)).not.toContain('Idle: 10 s');
  });

  it("shows where the coordinator's time went where its stages were read, a dash for what was not", () => {
    const text = renderReport(run([staged]));
    expect(text).toMatch(
      /\| rate\/s \| start age ms \| start decision ms \| reply age ms \| reply decision ms \| reply commit ms \|/,
    );
    expect(text).toMatch(/\| +100 \| +3\.2 \| +4\.1 \| +7\.3 \| +5\.0 \| +– \|/);
    expect(text).toMatch(/\| +200 \| +– \| +– \| +– \| +– \| +– \|/);
    expect(renderReport(run([coordinator]))).not.toContain('reply age ms');
  });

  it('shows the POSTs of a system started over HTTP', () => {
    const text = renderReport(run([overHttp]));
    expect(text).toMatch(/\| POST p50 ms \| POST p99 ms \| POST refused \|/);
    expect(text).toMatch(/\| +5\.0 \| +20\.0 \| +0 \| yes +\|/);
  });
});

describe('idleLine', () => {
  it('shows the CPU of every process and the total, in cores', () => {
    expect(idleLine(coordinator)).toBe(
      'Idle for 10 s before the ladder, CPU in cores: coordinator 0.050, echo participant 0.010, ' +
        'kafka 0.040, postgres 0.003; total 0.103.',
    );
  });

  it('says when the idle cost was not measured', () => {
    expect(idleLine(floor)).toBe('Idle: not measured.');
  });
});

describe('replaceBetweenMarkers', () => {
  it('replaces only what is between the markers', () => {
    const doc = `intro\n${BEGIN_MARKER}\nold\n${END_MARKER}\noutro\n`;
    expect(replaceBetweenMarkers(doc, 'new')).toBe(
      `intro\n${BEGIN_MARKER}\n\nnew\n\n${END_MARKER}\noutro\n`,
    );
  });

  it('adds the markers at the end when the doc has none', () => {
    expect(replaceBetweenMarkers('intro\n', 'new')).toBe(
      `intro\n\n${BEGIN_MARKER}\n\nnew\n\n${END_MARKER}\n`,
    );
  });
});
