// deploy/docker-compose.yml cannot run here (no Docker engine): check what can be checked.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: { dockerfile: string; args?: Record<string, string> };
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync('deploy/docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

describe('deploy/docker-compose.yml', () => {
  it('names Kafka, Postgres, Jaeger, Prometheus, Grafana and the apps', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'coordinator',
        'grafana',
        'jaeger',
        'kafka',
        'postgres',
        'prometheus',
        'sample-participants',
      ].sort(),
    );
  });

  it('has Prometheus scrape the coordinator and Grafana show a dashboard of its metrics', () => {
    const scrape = readFileSync(
      new URL('../../deploy/prometheus/prometheus.yml', import.meta.url),
      'utf8',
    );
    expect(scrape).toContain('coordinator:3000');
    const dashboard = JSON.parse(
      readFileSync(
        new URL('../../deploy/grafana/dashboards/saga-coordinator.json', import.meta.url),
        'utf8',
      ),
    ) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    for (const metric of [
      'saga_started_total',
      'saga_ended_total',
      'saga_duration_seconds_bucket',
      'saga_step_attempts_total',
      'saga_step_retries_total',
      'saga_step_outcomes_total',
      'saga_compensations_total',
      'saga_outbox_backlog',
      'saga_outbox_oldest_age_seconds',
      'saga_consumer_lag',
      'saga_dead_letters_total',
      'saga_retention_count_total',
      'saga_retention_runs_total',
      'saga_consumer_message_age_seconds_bucket',
      'saga_consumer_chunk_seconds_bucket',
    ]) {
      expect(exprs.some((expr) => expr.includes(metric))).toBe(true);
    }
    // Every instance reports these for the whole deployment (one read of the database or of
    // the group's lag): summed over the instances, they would show as many times too much.
    for (const metric of ['saga_open', 'saga_outbox_backlog', 'saga_consumer_lag']) {
      const uses = exprs.filter((expr) => new RegExp(`\\b${metric}\\b`).test(expr));
      expect(uses.length).toBeGreaterThan(0);
      for (const expr of uses) expect(expr).toMatch(/^max\b/);
    }
  });

  it('runs Kafka in KRaft mode with automatic topic creation off', () => {
    const env = service('kafka').environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('uses the Kafka version of the local broker', () => {
    const pom = readFileSync('deploy/local/kafka/pom.xml', 'utf8');
    const localVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(localVersion).toBeDefined();
    expect(service('kafka').image).toBe(`apache/kafka:${localVersion}`);
  });

  it('exposes Jaeger OTLP on 4317/4318 and its UI on 16686', () => {
    expect(service('jaeger').ports).toEqual(
      expect.arrayContaining(['16686:16686', '4317:4317', '4318:4318']),
    );
  });

  it.each(['coordinator', 'sample-participants'])(
    'points %s at the Kafka, Postgres and Jaeger services and waits for them',
    (name) => {
      const app = service(name);
      expect(app.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(app.build?.args?.APP).toBe(name);
      expect(app.environment).toMatchObject({
        KAFKA_BROKERS: 'kafka:9092',
        DATABASE_URL: expect.stringMatching(/^postgres:\/\/[^@]+@postgres:5432\//),
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      });
      expect(app.depends_on).toMatchObject({
        kafka: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
    },
  );

  it('takes the encryption and API keys from whoever starts it, never from the file', () => {
    expect(service('coordinator').environment).toMatchObject({
      ENCRYPTION_KEYS: expect.stringMatching(/^\$\{ENCRYPTION_KEYS:\?/),
      API_KEYS: '${API_KEYS:-}',
    });
  });

  it('checks the coordinator through its readiness endpoint', () => {
    expect(JSON.stringify(service('coordinator').healthcheck)).toContain('/health/ready');
  });
});
