// Temporary driver (lead's): one system, a few rates.
import { CoordinatorSystem } from './coordinator-system.js';
import { quantile, runLoad } from './load-generator.js';
import { readFileSync } from 'node:fs';

const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const system = new CoordinatorSystem();
await system.setup({
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9492').split(','),
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  runId: `q${Date.now() % 1_000_000}`,
});
for (const rate of (process.env.RATES ?? '100,200').split(',').map(Number)) {
  const before = system.processes().map((p) => cpu(p.pid));
  const r = await runLoad(system, {
    rate,
    durationMs: Number(process.env.DURATION_MS ?? 10_000),
    drainMs: 30_000,
    label: `r${rate}`,
  });
  const after = system.processes().map((p) => cpu(p.pid));
  const ended = r.completed + r.compensated;
  console.log(
    `rate ${rate}: ended ${ended}/${r.started} (${r.compensated} comp, ${r.wrongOutcome} wrong) ${((ended * 1000) / r.elapsedMs).toFixed(0)}/s ` +
      `p50 ${quantile(r.latenciesMs, 0.5).toFixed(1)} p95 ${quantile(r.latenciesMs, 0.95).toFixed(1)} p99 ${quantile(r.latenciesMs, 0.99).toFixed(1)} ms; ` +
      system
        .processes()
        .map(
          (p, i) =>
            `${p.role} ${(((after[i]! - before[i]!) * 1000) / Math.max(1, ended)).toFixed(2)} ms/saga`,
        )
        .join(', '),
  );
}
await system.teardown();
process.exit(0);
