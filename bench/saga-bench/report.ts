import type { BenchRun, RateResult, SystemResult } from './bench-result.js';
import { highestSustained } from './ladder.js';

/**
 * Renders a bench run as Markdown: the summary, the targets, and per system its ladder in two
 * tables (throughput and latency; cost per saga). Pure; the same text is printed and written
 * into docs/BENCHMARKS.md between the markers.
 */

export const BEGIN_MARKER = '<!-- bench:begin -->';
export const END_MARKER = '<!-- bench:end -->';

/** The system the targets are about, its HTTP front door, and the two it is compared with. */
const OURS = 'coordinator';
const OURS_OVER_HTTP = 'coordinator-http';
const FLOOR = 'floor';
const PEER = 'dbos';

/** The targets of the lean hot path (issue #20). */
export const TARGETS = {
  sagasPerSecond: 2_000,
  p99Ms: 100,
  timesPeer: 10,
  cpuMsPerSaga: 1.5,
  shareOfFloor: 0.8,
  /** Per step at `stepAtRate` sagas/s, p50. */
  stepMs: 5,
  stepAtRate: 100,
  startsPerSecond: 2_000,
  startP99Ms: 50,
  /** The coordinator's peak resident memory at its highest sustained rate. */
  rssMb: 300,
} as const;

/** A number with `digits` decimals; an en dash when there is none. */
export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Rows written per saga as `inserted/updated (HOT)/deleted`. */
export function formatRows(rows: RateResult['rowsPerSaga']): string {
  if (rows === undefined) return '–';
  const n = (value: number) => formatNumber(value, 1);
  return `${n(rows.inserted)}/${n(rows.updated)} (${n(rows.hotUpdated)})/${n(rows.deleted)}`;
}

/** A Markdown table whose columns are padded to line up in a terminal too; numbers go right. */
export function markdownTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(3, header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const numeric = headers.map((_, i) => rows.every((row) => /^[-–\d.,×%/]*$/.test(row[i] ?? '')));
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The ladder of one system: throughput and latency per rate (and per POST, when it starts over HTTP). */
export function latencyTable(system: SystemResult): string {
  const posts = system.rates.some((r) => r.startLatencyMs !== undefined);
  return markdownTable(
    [
      'rate/s',
      'sagas/s',
      'ended',
      'compensated',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'ms/step',
      ...(posts ? ['POST p50 ms', 'POST p99 ms', 'POST refused'] : []),
      'sustained',
    ],
    system.rates.map((r) => [
      formatNumber(r.rate),
      formatNumber(r.sagasPerSecond),
      `${r.completed + r.compensated}/${r.started}`,
      formatNumber(r.compensated),
      formatNumber(r.latencyMs.p50, 1),
      formatNumber(r.latencyMs.p95, 1),
      formatNumber(r.latencyMs.p99, 1),
      formatNumber(r.perStepMs, 1),
      ...(posts
        ? [
            formatNumber(r.startLatencyMs?.p50, 1),
            formatNumber(r.startLatencyMs?.p99, 1),
            formatNumber(r.startLatencyMs?.refused),
          ]
        : []),
      r.sustained ? 'yes' : `no: ${r.shortfalls.join('; ')}`,
    ]),
  );
}

/**
 * Where the time goes inside the coordinator, per rate (means): a start's and a reply's age when
 * handed to the decisions, the decision of a chunk of each, the commit of a reply chunk's offset.
 */
export function stageTable(system: SystemResult): string {
  return markdownTable(
    [
      'rate/s',
      'start age ms',
      'start decision ms',
      'reply age ms',
      'reply decision ms',
      'reply commit ms',
    ],
    system.rates.map((r) => [
      formatNumber(r.rate),
      formatNumber(r.stagesMs?.startAgeMs, 1),
      formatNumber(r.stagesMs?.startDecisionMs, 1),
      formatNumber(r.stagesMs?.replyAgeMs, 1),
      formatNumber(r.stagesMs?.replyDecisionMs, 1),
      formatNumber(r.stagesMs?.replyCommitMs, 1),
    ]),
  );
}

/** The ladder of one system: what each saga cost, per rate. */
export function costTable(system: SystemResult): string {
  const roles = Object.keys(system.rates[0]?.cpuMsPerSaga.processes ?? {});
  return markdownTable(
    [
      'rate/s',
      ...roles.map((role) => `CPU ms ${role}`),
      'CPU ms kafka',
      'CPU ms postgres',
      'CPU ms total',
      'CPU ms harness',
      'db tx',
      'db rows ins/upd (HOT)/del',
      'WAL KB',
      'kafka msgs',
      ...roles.map((role) => `peak MB ${role}`),
      'peak MB kafka',
      'peak MB postgres PSS',
    ],
    system.rates.map((r) => [
      formatNumber(r.rate),
      ...roles.map((role) => formatNumber(r.cpuMsPerSaga.processes[role], 2)),
      formatNumber(r.cpuMsPerSaga.kafka, 2),
      formatNumber(r.cpuMsPerSaga.postgres, 2),
      formatNumber(r.cpuMsPerSaga.total, 2),
      formatNumber(r.cpuMsPerSaga.harness, 2),
      formatNumber(r.dbTransactionsPerSaga, 1),
      formatRows(r.rowsPerSaga),
      formatNumber(r.walKbPerSaga, 1),
      formatNumber(r.kafkaMessagesPerSaga, 1),
      ...roles.map((role) => formatNumber(r.peakMemoryMb.processes[role])),
      formatNumber(r.peakMemoryMb.kafka),
      formatNumber(r.peakMemoryMb.postgresPss),
    ]),
  );
}

function best(run: BenchRun, name: string, p99UnderMs?: number): RateResult | undefined {
  const system = run.systems.find((s) => s.name === name);
  return system && highestSustained(system.rates, p99UnderMs);
}

/** Our sagas/s over another system's, each at its highest sustained rate. */
function ratio(run: BenchRun, other: string): number | undefined {
  const ours = best(run, OURS)?.sagasPerSecond;
  const theirs = best(run, other)?.sagasPerSecond;
  return ours !== undefined && theirs ? ours / theirs : undefined;
}

/** Per system: its highest sustained rate and what it did there, and what it costs idle. */
export function summaryTable(run: BenchRun): string {
  return markdownTable(
    [
      'system',
      'highest sustained rate/s',
      'sagas/s',
      'p50 ms',
      'p99 ms',
      'CPU ms/saga',
      `${OURS} ÷ it`,
      'idle CPU, cores',
    ],
    run.systems.map((system) => {
      const top = highestSustained(system.rates);
      const note = system.error ? ` (failed: ${system.error.split('\n')[0]})` : '';
      return [
        `${system.name}${note}`,
        top ? formatNumber(top.rate) : 'none',
        formatNumber(top?.sagasPerSecond),
        formatNumber(top?.latencyMs.p50, 1),
        formatNumber(top?.latencyMs.p99, 1),
        formatNumber(top?.cpuMsPerSaga.total, 2),
        formatNumber(ratio(run, system.name), 2),
        formatNumber(system.idle?.cores.total, 2),
      ];
    }),
  );
}

/** The targets, against this run. */
export function targetsTable(run: BenchRun): string {
  const met = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'yes' : 'no');
  const fast = best(run, OURS, TARGETS.p99Ms);
  const top = best(run, OURS);
  const peer = ratio(run, PEER);
  const floor = ratio(run, FLOOR);
  const cpu = top?.cpuMsPerSaga.total;
  const rss = top?.peakMemoryMb.processes[OURS] ?? undefined;
  const stepRate = run.systems
    .find((system) => system.name === OURS)
    ?.rates.find((r) => r.rate === TARGETS.stepAtRate);
  const posts = run.systems.find((system) => system.name === OURS_OVER_HTTP);
  const fastPosts = posts
    ? highestSustained(
        posts.rates.filter(
          (r) => r.startLatencyMs !== undefined && r.startLatencyMs.p99 < TARGETS.startP99Ms,
        ),
      )
    : undefined;
  const missing = (other: string) =>
    run.systems.some((system) => system.name === other)
      ? 'no sustained rate to compare'
      : `${other} not measured`;
  return markdownTable(
    ['target', 'measured', 'met'],
    [
      [
        `≥ ${formatNumber(TARGETS.sagasPerSecond)} sagas/s with p99 < ${TARGETS.p99Ms} ms`,
        fast
          ? `${formatNumber(fast.sagasPerSecond)} sagas/s, p99 ${formatNumber(fast.latencyMs.p99, 1)} ms`
          : 'no such rate',
        met(fast ? fast.sagasPerSecond >= TARGETS.sagasPerSecond : false),
      ],
      [
        `≥ ${TARGETS.timesPeer}× ${PEER}`,
        peer === undefined ? missing(PEER) : `${formatNumber(peer, 2)}×`,
        met(peer === undefined ? undefined : peer >= TARGETS.timesPeer),
      ],
      [
        `≤ ${TARGETS.cpuMsPerSaga} ms CPU per saga, every process`,
        cpu === undefined
          ? 'no sustained rate'
          : `${formatNumber(cpu, 2)} ms at ${formatNumber(top!.rate)}/s`,
        met(cpu === undefined ? undefined : cpu <= TARGETS.cpuMsPerSaga),
      ],
      [
        `≥ ${Math.round(TARGETS.shareOfFloor * 100)} % of the ${FLOOR}`,
        floor === undefined ? missing(FLOOR) : `${formatNumber(floor * 100)} %`,
        met(floor === undefined ? undefined : floor >= TARGETS.shareOfFloor),
      ],
      [
        `< ${TARGETS.stepMs} ms per step (p50) at ${TARGETS.stepAtRate} sagas/s`,
        stepRate
          ? `${formatNumber(stepRate.perStepMs, 1)} ms`
          : `no run at ${TARGETS.stepAtRate}/s`,
        met(stepRate ? stepRate.perStepMs < TARGETS.stepMs : undefined),
      ],
      [
        `POST /sagas: ≥ ${formatNumber(TARGETS.startsPerSecond)} starts/s with p99 < ${TARGETS.startP99Ms} ms`,
        !posts
          ? `${OURS_OVER_HTTP} not measured`
          : fastPosts
            ? `${formatNumber(fastPosts.rate)} starts/s, POST p99 ${formatNumber(fastPosts.startLatencyMs!.p99, 1)} ms`
            : 'no such rate',
        met(posts ? (fastPosts?.rate ?? 0) >= TARGETS.startsPerSecond : undefined),
      ],
      [
        `${OURS} RSS < ${TARGETS.rssMb} MB at its highest sustained rate`,
        !top
          ? 'no sustained rate'
          : rss === undefined
            ? `not sampled at ${formatNumber(top.rate)}/s`
            : `${formatNumber(rss)} MB at ${formatNumber(top.rate)}/s`,
        met(rss === undefined ? undefined : rss < TARGETS.rssMb),
      ],
    ],
  );
}

/** What the system used with no saga to run, per process, in cores; says when not measured. */
export function idleLine(system: SystemResult): string {
  const idle = system.idle;
  if (idle === undefined) return 'Idle: not measured.';
  const { processes, kafka, postgres, total } = idle.cores;
  const parts = Object.entries({ ...processes, kafka, postgres }).map(
    ([role, cores]) => `${role} ${formatNumber(cores, 3)}`,
  );
  return (
    `Idle for ${idle.seconds} s before the ladder, CPU in cores: ${parts.join(', ')}; ` +
    `total ${formatNumber(total, 3)}.`
  );
}

/** The machine and the services, as a list. */
export function machineList(run: BenchRun): string {
  const m = run.machine;
  const pairs = (settings: Readonly<Record<string, string>>) =>
    Object.entries(settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ');
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores; RAM ${m.memoryGb} GB; ${m.os}`,
    `- Disk: ${m.disk}`,
    `- Node.js ${m.node}; ${m.kafka} (${pairs(m.kafkaSettings)})`,
    `- ${m.postgres.split(' on ')[0]} (${pairs(m.postgresSettings)})`,
  ].join('\n');
}

/** Everything between the markers of docs/BENCHMARKS.md. */
export function renderReport(run: BenchRun): string {
  const s = run.settings;
  return [
    `### Run of ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`${run.command}\``,
    '',
    `Ladder: ${s.rates.join(', ')} sagas/s, ${s.stepSeconds} s each after a ${s.warmupSeconds} s warm-up; ` +
      `drain up to ${s.drainSeconds} s, counters read ${s.settleSeconds} s later; sustained = every saga ` +
      `ended rightly, sagas/s ≥ ${Math.round(s.minThroughputShare * 100)} % of the rate, p99 < ${s.maxP99Ms} ms.` +
      (s.idleSeconds ? ` Idle: ${s.idleSeconds} s with no saga before the ladder.` : ''),
    '',
    machineList(run),
    '',
    '#### Summary',
    '',
    summaryTable(run),
    '',
    '#### Targets',
    '',
    targetsTable(run),
    ...run.systems.flatMap((system) => [
      '',
      `#### ${system.name}`,
      ...(system.error ? ['', `Stopped by an error: \`${system.error.split('\n')[0]}\``] : []),
      '',
      latencyTable(system),
      '',
      ...(system.rates.some((r) => r.stagesMs !== undefined) ? [stageTable(system), ''] : []),
      costTable(system),
      '',
      idleLine(system),
    ]),
  ].join('\n');
}

/** `doc` with the text between its markers replaced by `section`; the markers are added at the end if missing. */
export function replaceBetweenMarkers(doc: string, section: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  const block = `${BEGIN_MARKER}\n\n${section}\n\n${END_MARKER}`;
  if (begin < 0 || end < begin) return `${doc.trimEnd()}\n\n${block}\n`;
  return doc.slice(0, begin) + block + doc.slice(end + END_MARKER.length);
}
