// deploy/prometheus/alerts.yml: promtool accepts the rules and passes their unit tests
// (deploy/prometheus/alerts.test.yml), every alert has a runbook in docs/runbooks/ that says what
// it means, how to look and what to do, and every metric an alert names is one the coordinator
// registers (read from a real registry, not from a list that could drift).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SagaRegistry } from '#saga-core';
import type { Database } from '#postgres';
import { parse, stringify } from 'yaml';
import { registerConsumerLagGauge } from '../../apps/coordinator/src/observability/consumer-lag-metrics.js';
import { registerDatabaseMetrics } from '../../apps/coordinator/src/observability/database-metrics.js';
import { registerDeadLetterIndexMetrics } from '../../apps/coordinator/src/observability/dead-letter-index-metrics.js';
import { countingDeadLetters } from '../../apps/coordinator/src/observability/dead-letter-metrics.js';
import { registerDependencyMetrics } from '../../apps/coordinator/src/observability/dependency-metrics.js';
import { rampRollbackCounter } from '../../apps/coordinator/src/observability/definition-metrics.js';
import { Metrics } from '../../apps/coordinator/src/observability/metrics.js';
import { registerResilienceMetrics } from '../../apps/coordinator/src/observability/resilience-metrics.js';
import { retentionMetrics } from '../../apps/coordinator/src/observability/retention-metrics.js';
import type { RepliesFirst } from '../../apps/coordinator/src/resilience/replies-first.js';
import { SagaMetrics } from '../../apps/coordinator/src/observability/saga-metrics.js';
import type { CommandGate } from '../../apps/coordinator/src/resilience/command-gate.js';
import type { SagaAdmission } from '../../apps/coordinator/src/resilience/saga-admission.js';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const INSTALLED_PROMTOOL = '.tools/bin/promtool';
/** Series Prometheus makes itself, which an alert may name besides the coordinator's. */
const PROMETHEUS_OWN = ['up'];
const RUNBOOK_SECTIONS = ['## What it means', '## How to look', '## What to do'];

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alerts = (
  parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] }
).groups.flatMap((group) => group.rules);

/** `SagaOutboxOldestAgeHigh` -> `saga-outbox-oldest-age-high`. */
const kebab = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** promtool on PATH, else the copy scripts/install-promtool.sh makes; undefined when neither. */
function findPromtool(): string | undefined {
  if (spawnSync('promtool', ['--version']).error === undefined) return 'promtool';
  return existsSync(INSTALLED_PROMTOOL) ? INSTALLED_PROMTOOL : undefined;
}

function promtool(...args: string[]): { command: string; status: number | null; output: string } {
  const found = findPromtool();
  if (found === undefined) {
    throw new Error(
      `promtool is neither on PATH nor at ${INSTALLED_PROMTOOL}: run scripts/install-promtool.sh`,
    );
  }
  const result = spawnSync(found, args, { encoding: 'utf8', timeout: 60_000 });
  return {
    command: [found, ...args].join(' '),
    status: result.status,
    output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}`,
  };
}

/**
 * The series names a PromQL expression selects: what is left once strings, label matchers,
 * ranges, grouping clauses, function calls, keywords and numbers are taken out.
 */
function selectedMetrics(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\w+/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'by', 'without', 'on', 'ignoring']);
  const names = [...bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((match) => match[1]!);
  return [...new Set(names.filter((name) => !keywords.has(name) && !/^(?:inf|nan)$/i.test(name)))];
}

/**
 * The PromQL queries of the runbooks' `promql` blocks: one per line, comments cut, a query that
 * goes on (open parentheses, an indented line, a line that starts with an operator) joined.
 */
function runbookQueries(): { runbook: string; query: string }[] {
  const found: { runbook: string; query: string }[] = [];
  for (const file of readdirSync('docs/runbooks').filter((name) => name.endsWith('.md'))) {
    const text = readFileSync(join('docs/runbooks', file), 'utf8');
    for (const [, block] of text.matchAll(/```promql\n([\s\S]*?)```/g)) {
      let query = '';
      for (const line of block!.split('\n').map((l) => l.replace(/\s+#.*$/, ''))) {
        const continues = /^(\s|and\b|or\b|unless\b|[/*+-])/.test(line);
        const open = (query.match(/\(/g) ?? []).length > (query.match(/\)/g) ?? []).length;
        if (query !== '' && !continues && !open) {
          found.push({ runbook: file, query: query.trim() });
          query = '';
        }
        query += `${line}\n`;
      }
      if (query.trim() !== '') found.push({ runbook: file, query: query.trim() });
    }
  }
  return found;
}

/** Every series name the coordinator exposes, from a registry its metrics are registered on. */
async function exposedMetricNames(): Promise<Set<string>> {
  const { registry } = new Metrics({ defaultMetrics: false });
  // Registration only: nothing below is read before a scrape, and no scrape happens here.
  const database = { isOpen: false } as Database;
  new SagaMetrics(registry);
  registerDatabaseMetrics(registry, database);
  registerResilienceMetrics(registry, {
    gate: { onBreakerChange: () => undefined } as unknown as CommandGate,
    admission: {} as SagaAdmission,
    repliesFirst: {} as RepliesFirst,
    httpStartsPending: () => 0,
    sagas: {} as SagaRegistry,
    database,
    stuckAfterMs: 60_000,
  });
  registerConsumerLagGauge(registry, { lagOf: async () => 0 }, () => []);
  countingDeadLetters(registry);
  rampRollbackCounter(registry);
  registerDependencyMetrics(registry, []);
  retentionMetrics(registry);
  registerDeadLetterIndexMetrics(registry, () => ({ member: true, leftOut: [] }));
  return new Set(
    registry.getMetricsAsArray().flatMap(({ name, type }) => {
      if (String(type) === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
      if (String(type) === 'summary') return [name, `${name}_sum`, `${name}_count`];
      return [name];
    }),
  );
}

describe('the Prometheus alert rules', () => {
  it('cover instances down or absent, stuck sagas, breakers, the outbox, lag, dead letters, dependencies, error rates and retention', () => {
    expect(alerts.map((rule) => rule.alert).sort()).toEqual(
      [
        'SagaBreakerOpen',
        'SagaBrokerUnreachable',
        'SagaConsumerLagHigh',
        'SagaCoordinatorAbsent',
        'SagaCoordinatorDown',
        'SagaDatabaseUnreachable',
        'SagaDeadLetterIndexDown',
        'SagaDeadLettersGrowing',
        'SagaErrorRateHigh',
        'SagaIdle',
        'SagaOutboxBacklogHigh',
        'SagaOutboxOldestAgeHigh',
        'SagaRetentionFailing',
        'SagaStuck',
      ].sort(),
    );
  });

  it('pass `promtool check rules`', () => {
    expect(promtool('check', 'rules', RULES)).toMatchObject({ status: 0 });
  });

  it('pass their unit tests, `promtool test rules`', () => {
    expect(promtool('test', 'rules', RULE_TESTS)).toMatchObject({ status: 0 });
  });

  it('have a unit test per alert where it fires and one where it does not', () => {
    const tests = (
      parse(readFileSync(RULE_TESTS, 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const cases = tests.filter((test) => test.alertname === alert);
      expect({ alert, fires: cases.some((test) => test.exp_alerts.length > 0) }).toEqual({
        alert,
        fires: true,
      });
      expect({ alert, quiet: cases.some((test) => test.exp_alerts.length === 0) }).toEqual({
        alert,
        quiet: true,
      });
    }
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    '%s has a severity, a summary, a description and its runbook',
    (name, rule) => {
      expect(['page', 'ticket']).toContain(rule.labels?.severity);
      expect(rule.annotations).toMatchObject({
        summary: expect.any(String),
        description: expect.any(String),
        runbook_url: `docs/runbooks/${kebab(name)}.md`,
      });
    },
  );

  it.each(alerts.map((rule) => [rule.alert]))(
    'the runbook of %s says what it means, how to look and what to do',
    (name) => {
      const path = `docs/runbooks/${kebab(name)}.md`;
      expect(existsSync(path)).toBe(true);
      const headings = readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('## '));
      expect(headings).toEqual(expect.arrayContaining(RUNBOOK_SECTIONS));
    },
  );

  it('are listed in docs/runbooks/README.md with their severity and a link', () => {
    const index = readFileSync('docs/runbooks/README.md', 'utf8').split('\n');
    for (const rule of alerts) {
      const row = index.find((line) => line.includes(`[${rule.alert}](${kebab(rule.alert)}.md)`));
      expect({ alert: rule.alert, severity: row?.includes(rule.labels?.severity ?? '?') }).toEqual({
        alert: rule.alert,
        severity: true,
      });
    }
  });

  it('name only metrics the coordinator registers, or Prometheus own `up`', async () => {
    const known = new Set([...(await exposedMetricNames()), ...PROMETHEUS_OWN]);
    const unknown = alerts.flatMap((rule) =>
      selectedMetrics(rule.expr)
        .filter((name) => !known.has(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(alerts.flatMap((rule) => selectedMetrics(rule.expr)).length).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });

  it('have runbooks whose PromQL parses and names only metrics the coordinator registers', async () => {
    const queries = runbookQueries();
    expect(queries.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'runbook-queries-'));
    try {
      const file = join(dir, 'queries.yml');
      const rules = queries.map(({ query }, i) => ({ record: `runbook:query_${i}`, expr: query }));
      writeFileSync(file, stringify({ groups: [{ name: 'runbook-queries', rules }] }));
      expect(promtool('check', 'rules', file)).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const known = new Set([...(await exposedMetricNames()), ...PROMETHEUS_OWN]);
    const unknown = queries.flatMap(({ runbook, query }) =>
      selectedMetrics(query)
        .filter((name) => !known.has(name))
        .map((name) => `${runbook}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('would catch an expression naming a metric the coordinator does not have', () => {
    expect(
      selectedMetrics(
        'sum by (job, topic) (increase(saga_dead_letter_total{topic=~"a|b"}[15m])) > 0 ' +
          'or on (job) max(saga_stuck offset 5m) unless up == bool 1',
      ),
    ).toEqual(['saga_dead_letter_total', 'saga_stuck', 'up']);
  });

  it('are loaded by the Prometheus of deploy/docker-compose.yml', () => {
    const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as {
      rule_files?: string[];
    };
    expect(config.rule_files).toContain('alerts.yml');
    const compose = parse(readFileSync('deploy/docker-compose.yml', 'utf8'), { merge: true }) as {
      services: { prometheus: { volumes: string[] } };
    };
    expect(compose.services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
      ]),
    );
  });
});
