// deploy/kubernetes/ has no cluster to run on here: every overlay, migrate Job and example is
// rendered with `kubectl kustomize`, each object is validated against its schema (the Kubernetes
// OpenAPI, and KEDA's, Strimzi's, CloudNativePG's and the Prometheus Operator's), and what the
// manifests must mean is checked against the app itself and docs/CONFIGURATION.md.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import type { ICluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IKafka } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka';
import type { IKafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic';
import type { IKafkaUser } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaUser';
import { topicNames } from '#contracts';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config.js';
import { loadMigrationConfig } from '../../apps/coordinator/src/config/database-config.js';
import { COORDINATOR_NODE_FLAGS } from '../../apps/coordinator/src/runtime/node-flags.js';
import { SAMPLE_PARTICIPANTS } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import { apiKeyListSchema, hashApiKey } from '../../apps/coordinator/src/security/api-keys.js';
import {
  aclAllows,
  documentedVariables,
  readFakeSecrets,
  environmentOf,
  manifestsOf,
  podSpecsOf,
  renderKustomization,
  secretFileAt,
  selects,
  theManifest,
  validateManifest,
  withValue,
  workloadOf,
  type Manifest,
} from '../support/kubernetes-manifests.js';

const ENVIRONMENTS = ['dev', 'production'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const RENDERED = [
  ...ENVIRONMENTS.flatMap((name) => [`overlays/${name}`, `overlays/${name}/migrate`]),
  'migrate',
  'sample-participants',
  'examples/strimzi',
  'examples/cloudnative-pg',
];
const renders = new Map(RENDERED.map((dir) => [dir, renderKustomization(dir)]));
const rendered = (dir: string): Manifest[] => renders.get(dir)!;

/** The coordinator's Deployment of an environment, its pod, container and environment. */
const coordinatorOf = (environment: Environment) =>
  workloadOf<IDeployment>(rendered(`overlays/${environment}`), 'Deployment', 'saga-coordinator');
/** The migrate Job of an environment, its pod, container and environment. */
const migrateJobOf = (environment: Environment) =>
  workloadOf<IJob>(rendered(`overlays/${environment}/migrate`), 'Job', 'saga-coordinator-migrate');

/** The sample participants' Deployment of `objects`, its container and that container's user. */
const participantsOf = (objects: readonly Manifest[]) => {
  const deployment = theManifest<IDeployment>(objects, 'Deployment', 'saga-sample-participants');
  const container = deployment.spec!.template.spec!.containers[0]!;
  const user = container.env?.find((variable) => variable.name === 'KAFKA_SASL_USERNAME')?.value;
  return { deployment, container, user: user! };
};
/** The objects the sample participants run with in an environment (production runs none). */
const participantsObjectsOf = (environment: Environment) =>
  rendered(environment === 'dev' ? 'overlays/dev' : 'sample-participants');

const production = coordinatorOf('production');
const examples = {
  kafka: theManifest<IKafka>(rendered('examples/strimzi'), 'Kafka'),
  topics: manifestsOf<IKafkaTopic>(rendered('examples/strimzi'), 'KafkaTopic'),
  users: manifestsOf<IKafkaUser>(rendered('examples/strimzi'), 'KafkaUser'),
  postgres: theManifest<ICluster>(rendered('examples/cloudnative-pg'), 'Cluster'),
};
const configuration = documentedVariables(readFileSync('docs/CONFIGURATION.md', 'utf8'));

/**
 * `<service>.<namespace>.svc[.cluster.local]:<port>`: a service name that resolves from every
 * namespace (KEDA's scaler runs in KEDA's own, dev in saga-dev).
 */
const NAMESPACED_SERVICE = /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?:\d+$/;

/** Variables that hold a secret themselves: never given a value in a manifest. */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'API_KEYS',
  'ENCRYPTION_KEYS',
  'KAFKA_SASL_PASSWORD',
  'JWT_SECRET',
]);

describe('deploy/kubernetes against the schemas', () => {
  it.each(RENDERED)('renders %s into objects that each match their schema', (dir) => {
    const problems = rendered(dir).flatMap((object) => {
      try {
        validateManifest(object);
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    });
    expect(rendered(dir).length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it.each([
    ['overlays/dev', 'Deployment', 'spec.replicas', 'two'],
    ['overlays/production', 'ScaledObject', 'spec.maxReplicaCount', '6'],
    ['overlays/production', 'ServiceMonitor', 'spec.endpoints.0.port', 3000],
    ['overlays/production', 'PrometheusRule', 'spec.groups.0.rules.0.for', '2 minutes'],
    ['examples/strimzi', 'KafkaUser', 'spec.authentication.type', 'scram-sha-256'],
    ['examples/strimzi', 'KafkaTopic', 'spec.partitions', 'six'],
    ['examples/cloudnative-pg', 'Cluster', 'spec.instances', 'three'],
  ])('refuses in %s a %s whose %s is %p', (dir, kind, path, value) => {
    const object = manifestsOf<Manifest>(rendered(dir), kind)[0]!;
    expect(() => validateManifest(object)).not.toThrow();
    expect(() => validateManifest(withValue(object, path, value))).toThrow(
      `data/${path.replaceAll('.', '/')}`,
    );
  });
});

describe('every pod of deploy/kubernetes', () => {
  const pods = RENDERED.flatMap((dir) =>
    podSpecsOf(rendered(dir)).map(({ owner, spec }) => ({ name: `${owner} of ${dir}`, spec })),
  );

  it.each(pods)('$name runs as a non-root user on a read-only root', ({ spec }) => {
    expect(spec.securityContext?.runAsNonRoot).toBe(true);
    expect(spec.securityContext?.runAsUser).toBe(1000);
    expect(spec.automountServiceAccountToken).toBe(false);
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
      expect(spec.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    }
  });

  it.each(pods)('$name requests and limits CPU and memory', ({ spec }) => {
    for (const container of spec.containers) {
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it.each(ENVIRONMENTS)('of %s run one tagged image, never latest', (environment) => {
    const images = [`overlays/${environment}`, `overlays/${environment}/migrate`].flatMap((dir) =>
      podSpecsOf(rendered(dir)).flatMap(({ spec }) => spec.containers.map((c) => c.image)),
    );
    expect(new Set(images).size).toBe(1);
    expect(images[0]).toMatch(/^[^:]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
    expect(images[0]).not.toMatch(/:latest$/);
  });

  it('hold no secret: no Secret object, no secret variable given a value', () => {
    for (const objects of renders.values()) {
      expect(manifestsOf(objects, 'Secret')).toEqual([]);
      const configMapKeys = manifestsOf<{ data?: object }>(objects, 'ConfigMap').flatMap((map) =>
        Object.keys(map.data ?? {}),
      );
      const inline = podSpecsOf(objects).flatMap(({ spec }) =>
        spec.containers.flatMap((c) => c.env ?? []).filter((v) => v.value !== undefined),
      );
      const named = [...configMapKeys, ...inline.map((variable) => variable.name)];
      expect(named.filter((name) => SECRET_VARIABLES.has(name))).toEqual([]);
    }
  });
});

describe.each(ENVIRONMENTS)('the coordinator of overlays/%s', (environment) => {
  const { workload: deployment, pod, container, env, objects } = coordinatorOf(environment);
  const migrate = migrateJobOf(environment);

  it('never migrates, and listens on every interface of the pod', () => {
    expect(env).toMatchObject({ RUN_MIGRATIONS: 'false', HOST: '0.0.0.0' });
    expect(container.command).toEqual([
      'node',
      ...COORDINATOR_NODE_FLAGS,
      'dist/apps/coordinator/src/main.js',
    ]);
  });

  it('is live while the process answers, ready while its dependencies and consumers are', () => {
    const port = container.ports?.find((candidate) => candidate.name === 'http');
    expect(port?.containerPort).toBe(Number(env.PORT));
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
  });

  it('gives start-up longer than its phases may take before the HTTP server listens', () => {
    const probe = container.startupProbe!;
    const budgetMs =
      1000 * ((probe.initialDelaySeconds ?? 0) + probe.periodSeconds! * probe.failureThreshold!);
    const ms = (name: string) => Number(env[name]);
    // database connect, schema check (or migrations), registered definitions, topics, listening
    // (apps/coordinator/src/runtime/coordinator-runtime.ts and main.ts).
    const phasesMs =
      2 * ms('STARTUP_DATABASE_TIMEOUT_MS') +
      Math.max(ms('STARTUP_DATABASE_TIMEOUT_MS'), ms('STARTUP_MIGRATIONS_TIMEOUT_MS')) +
      ms('STARTUP_TOPICS_TIMEOUT_MS') +
      ms('STARTUP_HTTP_TIMEOUT_MS');
    expect(budgetMs).toBeGreaterThan(phasesMs);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('pauses before SIGTERM while its endpoint removal spreads, and keeps the rest of the grace period', () => {
    expect(container.lifecycle?.preStop).toEqual({ exec: { command: ['sleep', '5'] } });
    const pauseSeconds = Number(container.lifecycle!.preStop!.exec!.command![1]);
    // SIGTERM's drain (the batch in hand, a commit, leaving the groups) gets the rest.
    expect(pod.terminationGracePeriodSeconds! - pauseSeconds).toBeGreaterThanOrEqual(50);
    // `sleep` is in the image: a Debian node image, not a distroless one.
    expect(readFileSync('deploy/Dockerfile', 'utf8')).toMatch(/^ARG NODE_IMAGE=node:\d+-slim$/m);
  });

  it('reads each secret from a file of a read-only mounted secret', () => {
    const files = Object.keys(env).filter((name) => name.endsWith('_FILE'));
    expect(files).toEqual(
      expect.arrayContaining([
        'DATABASE_URL_FILE',
        'API_KEYS_FILE',
        'ENCRYPTION_KEYS_FILE',
        'KAFKA_SASL_PASSWORD_FILE',
        'KAFKA_SSL_CA_FILE',
      ]),
    );
    for (const name of files)
      expect([name, secretFileAt(pod, container, env[name]!)]).toEqual([name, expect.anything()]);
  });

  it('starts with a configuration the coordinator accepts', () => {
    const config = loadCoordinatorConfig(env, readFakeSecrets(env));
    expect(config).toMatchObject({
      runMigrations: false,
      host: '0.0.0.0',
      sampleParticipants: false,
    });
    expect(config.security.auth.mode).toBe('closed');
    expect(config.security.kafka.sasl?.mechanism).toBe('scram-sha-512');
  });

  it('sets only variables docs/CONFIGURATION.md documents', () => {
    const set = [...Object.keys(env), ...Object.keys(migrate.env)];
    expect(set.filter((name) => !configuration.documented.has(name))).toEqual([]);
  });

  it('is migrated first by a Job with its ConfigMap, database and a migrate command', () => {
    const configMap = (items: readonly Manifest[]) =>
      manifestsOf<{ data: object }>(items, 'ConfigMap');
    expect(configMap(migrate.objects)).toEqual(configMap(objects));
    expect(migrate.workload.metadata.annotations?.['saga-coordinator/run']).toBe('before-rollout');
    expect(migrate.container.command).toEqual(['node', 'dist/apps/coordinator/src/migrate.js']);
    expect(migrate.pod.restartPolicy).toBe('Never');
    const databaseOf = (workload: Pick<typeof migrate, 'pod' | 'container' | 'env'>) =>
      secretFileAt(workload.pod, workload.container, workload.env.DATABASE_URL_FILE!);
    expect(databaseOf(migrate)).toEqual(databaseOf({ pod, container, env }));
    const config = loadMigrationConfig(migrate.env, readFakeSecrets(migrate.env));
    const triesMs =
      (migrate.workload.spec!.backoffLimit! + 1) * (config.connectMs + config.migrationsMs);
    expect(migrate.workload.spec!.activeDeadlineSeconds! * 1000).toBeGreaterThan(triesMs);
  });

  it('lets the migrate Job run a statement as long as its deadline, not wait on a lock longer than the pods', () => {
    const job = loadMigrationConfig(migrate.env, readFakeSecrets(migrate.env)).databaseTimeouts;
    const pods = loadCoordinatorConfig(env, readFakeSecrets(env)).databaseTimeouts;
    // A long DDL is neither cancelled by the server nor cut by the client, then tried again.
    expect(job).toMatchObject({ statementTimeoutMs: 0, queryTimeoutMs: 0 });
    expect(pods.statementTimeoutMs).toBeGreaterThan(0);
    expect(job.lockTimeoutMs).toBe(pods.lockTimeoutMs);
    expect(job.lockTimeoutMs).toBeGreaterThan(0);
  });

  it('keeps a pod serving through a disruption, and only the coordinator pods count', () => {
    const budget = theManifest<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    const selector = budget.spec?.selector?.matchLabels;
    expect(selects(selector, deployment.spec!.template.metadata?.labels)).toBe(true);
    expect(budget.spec?.maxUnavailable).toBe(1);
    const otherPods = [...objects, ...migrate.objects]
      .filter(
        (object) =>
          (object.kind === 'Deployment' || object.kind === 'Job') && object !== deployment,
      )
      .map((object) => (object as Manifest & IJob).spec!.template.metadata?.labels);
    expect(otherPods.length).toBeGreaterThan(0);
    expect(otherPods.filter((labels) => selects(selector, labels))).toEqual([]);
  });

  it('lets the HTTP port in and DNS, Postgres and Kafka out', () => {
    const policy = theManifest<INetworkPolicy>(objects, 'NetworkPolicy', 'saga-coordinator');
    expect(
      selects(policy.spec?.podSelector?.matchLabels, deployment.spec!.template.metadata?.labels),
    ).toBe(true);
    const ingress = (policy.spec?.ingress ?? [])
      .flatMap((rule) => rule.ports ?? [])
      .map((p) => p.port);
    expect(ingress).toEqual(['http']);
    const egress = (policy.spec?.egress ?? []).flatMap((rule) => rule.ports ?? []);
    const kafkaPorts = env.KAFKA_BROKERS!.split(',').map((broker) => Number(broker.split(':')[1]));
    for (const port of [53, 5432, ...kafkaPorts]) {
      expect(egress).toContainEqual(expect.objectContaining({ port, protocol: 'TCP' }));
    }
    expect(egress).toContainEqual({ port: 53, protocol: 'UDP' });
  });

  it('is reached through a Service on its HTTP port', () => {
    const service = theManifest<IService>(objects, 'Service', 'saga-coordinator');
    expect(selects(service.spec?.selector, deployment.spec!.template.metadata?.labels)).toBe(true);
    expect(service.spec?.ports?.map((port) => port.targetPort)).toEqual(['http']);
  });
});

describe('overlays/production', () => {
  const { workload: deployment, env, objects, container } = production;
  const topics = topicNames(env.TOPIC_PREFIX);

  it('spreads its pods over the nodes they may run on, a tainted or cordoned one left out', () => {
    const spread = deployment.spec!.template.spec!.topologySpreadConstraints ?? [];
    expect(spread.map(({ topologyKey }) => topologyKey).sort()).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    for (const constraint of spread) expect(constraint.nodeTaintsPolicy).toBe('Honor');
  });

  it('sets every variable docs/CONFIGURATION.md documents, but those it says are not for Kubernetes', () => {
    const expected = [...configuration.documented].filter(
      (name) => !configuration.notOnKubernetes.has(name),
    );
    expect(Object.keys(env).sort()).toEqual(expected.sort());
    expect(
      [...configuration.notOnKubernetes].filter((name) => !configuration.documented.has(name)),
    ).toEqual([]);
  });

  it('keeps the documented defaults in its ConfigMap, but where a deployment needs otherwise', () => {
    const needs: Record<string, string> = {
      HOST: '0.0.0.0',
      LOG_FORMAT: 'json',
      KAFKA_SSL: 'true',
    };
    const [configMap] = manifestsOf<{ data: Record<string, string> }>(objects, 'ConfigMap');
    const differing = Object.entries(configMap!.data).filter(
      ([name, value]) =>
        configuration.defaults.has(name) &&
        value !== (needs[name] ?? configuration.defaults.get(name)),
    );
    expect(differing).toEqual([]);
    expect(Object.keys(needs).filter((name) => configMap!.data[name] !== needs[name])).toEqual([]);
  });

  it('has KEDA scale it on the lag of saga.replies, at most one replica per partition', () => {
    const scaler = theManifest<IScaledObject>(objects, 'ScaledObject');
    expect(scaler.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(deployment.spec?.replicas).toBeUndefined();
    expect(scaler.spec.maxReplicaCount).toBe(Number(env.TOPIC_PARTITIONS));
    expect(scaler.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    const [trigger, ...more] = scaler.spec.triggers;
    expect(more).toEqual([]);
    expect(trigger?.type).toBe('kafka');
    expect(trigger?.metadata).toMatchObject({
      bootstrapServers: env.KAFKA_BROKERS,
      topic: topics.replies,
      consumerGroup: `${env.CONSUMER_GROUP}.${topics.replies}`,
      allowIdleConsumers: 'false',
      sasl: { 'scram-sha-512': 'scram_sha512', 'scram-sha-256': 'scram_sha256' }[
        env.KAFKA_SASL_MECHANISM!
      ],
      tls: 'enable',
    });
    expect(Number(trigger?.metadata.lagThreshold)).toBeGreaterThan(0);
    expect(Number(trigger?.metadata.activationLagThreshold)).toBeGreaterThanOrEqual(0);
  });

  it("has KEDA's scaler, in KEDA's own namespace, reach the brokers by namespace-qualified names", () => {
    const scaler = theManifest<IScaledObject>(objects, 'ScaledObject');
    const servers = String(scaler.spec.triggers[0]?.metadata.bootstrapServers).split(',');
    expect(servers.filter((server) => !NAMESPACED_SERVICE.test(server))).toEqual([]);
  });

  it('has KEDA read the lag with the coordinator Kafka credentials', () => {
    const scaler = theManifest<IScaledObject>(objects, 'ScaledObject');
    const auth = theManifest<ITriggerAuthentication>(objects, 'TriggerAuthentication');
    expect(scaler.spec.triggers[0]?.authenticationRef?.name).toBe(auth.metadata.name);
    const secret = (name: string) => secretFileAt(production.pod, container, env[name]!);
    const refs = Object.fromEntries(
      (auth.spec.secretTargetRef ?? []).map((ref) => [
        ref.parameter,
        { secretName: ref.name, key: ref.key },
      ]),
    );
    expect(refs).toEqual({
      password: secret('KAFKA_SASL_PASSWORD_FILE'),
      ca: secret('KAFKA_SSL_CA_FILE'),
    });
    expect(auth.spec.env).toEqual([
      { parameter: 'username', name: 'KAFKA_SASL_USERNAME', containerName: container.name },
    ]);
  });

  it('has Prometheus scrape /metrics through the Service', () => {
    const monitor = theManifest<IServiceMonitor>(objects, 'ServiceMonitor');
    const service = theManifest<IService>(objects, 'Service', 'saga-coordinator');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: service.spec?.ports?.[0]?.name, path: '/metrics' }),
    ]);
  });

  it('carries the alert rules of deploy/prometheus/alerts.yml, one source, as a PrometheusRule', () => {
    const rule = theManifest<IPrometheusRule>(objects, 'PrometheusRule');
    const { groups } = parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as {
      groups: unknown[];
    };
    expect(groups.length).toBeGreaterThan(0);
    expect(rule.spec.groups).toEqual(groups);
  });

  it('alerts on the job label the ServiceMonitor gives its targets', () => {
    const rule = theManifest<IPrometheusRule>(objects, 'PrometheusRule');
    const monitor = theManifest<IServiceMonitor>(objects, 'ServiceMonitor');
    const service = theManifest<IService>(objects, 'Service', 'saga-coordinator');
    // The Prometheus Operator names the job after the Service, unless jobLabel says otherwise.
    expect(monitor.spec.jobLabel).toBeUndefined();
    const jobs = (rule.spec.groups ?? []).flatMap((group) =>
      (group.rules ?? []).flatMap((alert) =>
        [...String(alert.expr).matchAll(/\bjob="([^"]*)"/g)].map((match) => match[1]),
      ),
    );
    expect(jobs.length).toBeGreaterThan(0);
    expect([...new Set(jobs)]).toEqual([service.metadata.name]);
  });

  it('accepts bearer tokens signed by a mounted public key', () => {
    const config = loadCoordinatorConfig(env, readFakeSecrets(env));
    expect(config.security.auth).toMatchObject({
      mode: 'closed',
      jwt: { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
    });
  });
});

describe('the sample participants of overlays/dev', () => {
  const dev = coordinatorOf('dev');
  const { deployment, container } = participantsOf(dev.objects);
  const env = environmentOf(dev.objects, container);

  it("run the participants' entry point, on the coordinator's topics and broker", () => {
    expect(container.command).toEqual(['node', 'dist/apps/sample-participants/src/main.js']);
    for (const name of [
      'KAFKA_BROKERS',
      'TOPIC_PREFIX',
      'TOPIC_PARTITIONS',
      'KAFKA_SSL',
      'KAFKA_SASL_MECHANISM',
    ]) {
      expect([name, env[name]]).toEqual([name, dev.env[name]]);
    }
    expect(env.DATABASE_URL).toBe('<secret saga-postgres-app/uri>');
    expect(
      secretFileAt(deployment.spec!.template.spec!, container, env.KAFKA_SASL_PASSWORD_FILE!),
    ).toEqual({ secretName: env.KAFKA_SASL_USERNAME, key: 'password' });
  });
});

describe('overlays/dev beside overlays/production', () => {
  const dev = coordinatorOf('dev');
  const schemaOf = (environment: Environment) => {
    const { env } = migrateJobOf(environment);
    return loadMigrationConfig(env, readFakeSecrets(env)).databaseSchema;
  };

  it("migrates and uses a database schema of its own, never production's", () => {
    expect(schemaOf('dev')).toBe(dev.env.DATABASE_SCHEMA);
    expect(schemaOf('dev')).not.toBe(schemaOf('production'));
  });

  it('reads and writes Kafka as users of its own', () => {
    expect(dev.env.KAFKA_SASL_USERNAME).not.toBe(production.env.KAFKA_SASL_USERNAME);
    expect(participantsOf(dev.objects).user).not.toBe(
      participantsOf(participantsObjectsOf('production')).user,
    );
  });

  it('has docs/KUBERNETES.md say how to bring every secret it mounts into its namespace', () => {
    const doc = readFileSync('docs/KUBERNETES.md', 'utf8');
    const section = /^## The dev environment\n([\s\S]*?)^## /m.exec(doc)?.[1] ?? '';
    const pods = podSpecsOf([...dev.objects, ...migrateJobOf('dev').objects]);
    const mounted = new Set(
      pods.flatMap(({ spec }) => [
        ...(spec.volumes ?? []).flatMap((volume) => volume.secret?.secretName ?? []),
        ...spec.containers.flatMap((c) =>
          (c.env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef?.name ?? []),
        ),
      ]),
    );
    expect(mounted.size).toBeGreaterThanOrEqual(5);
    expect([...mounted].filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});

/** The [type, name, operation] of `wanted` that `who`'s ACLs do not allow. */
const refused = (who: IKafkaUser, wanted: [string, string, string][]) =>
  wanted.filter(([type, name, operation]) => !aclAllows(who, type, name, operation));
/** The KafkaUser `name` of examples/strimzi. */
const kafkaUser = (name: string): IKafkaUser => {
  const found = examples.users.find((candidate) => candidate.metadata.name === name);
  if (found === undefined) throw new Error(`examples/strimzi has no KafkaUser ${name}`);
  return found;
};

describe('the Strimzi and CloudNativePG examples', () => {
  const { env, pod, container } = production;
  const topics = topicNames(env.TOPIC_PREFIX);
  const commands = SAMPLE_PARTICIPANTS.map((participant) => topics.commands(participant));
  const dlq = (topic: string) => topics.deadLetter(topic);

  it("give the coordinator's database URL from the CloudNativePG app secret", () => {
    const secretName = `${examples.postgres.metadata.name}-app`;
    expect(secretFileAt(pod, container, env.DATABASE_URL_FILE!)).toEqual({
      secretName,
      key: 'uri',
    });
  });

  it("declare the coordinator's and its participants' topics, with the partitions KEDA counts on", () => {
    const originals = [topics.start, topics.replies, topics.events, ...commands];
    const expected = originals.flatMap((topic) => [topic, dlq(topic)]).sort();
    expect(examples.topics.map((topic) => topic.spec.topicName).sort()).toEqual(expected);
    const partitions = new Set(examples.topics.map((topic) => topic.spec.partitions));
    expect([...partitions]).toEqual([Number(env.TOPIC_PARTITIONS)]);
  });

  it("keep dev's users off production's topics and groups", () => {
    const devUsers = [
      coordinatorOf('dev').env.KAFKA_SASL_USERNAME!,
      participantsOf(rendered('overlays/dev')).user,
    ];
    const productionTopics = [topics.start, topics.replies, topics.events, ...commands].flatMap(
      (topic) => [topic, dlq(topic)],
    );
    const productionGroups = [
      ...[topics.start, topics.replies, `${env.TOPIC_PREFIX}dead-letters`].map(
        (topic) => `${env.CONSUMER_GROUP}.${topic}`,
      ),
      ...SAMPLE_PARTICIPANTS.map((participant) => `${env.TOPIC_PREFIX}${participant}.participant`),
    ];
    const everything: [string, string, string][] = [
      ...productionTopics.flatMap((topic) =>
        ['Read', 'Write', 'Describe', 'Create'].map((op): [string, string, string] => [
          'topic',
          topic,
          op,
        ]),
      ),
      ...productionGroups.flatMap((group) =>
        ['Read', 'Describe'].map((op): [string, string, string] => ['group', group, op]),
      ),
    ];
    for (const name of devUsers) {
      expect([name, refused(kafkaUser(name), everything)]).toEqual([name, everything]);
    }
  });
});

describe.each(ENVIRONMENTS)('the Strimzi users of overlays/%s', (environment) => {
  const { env, pod, container } = coordinatorOf(environment);
  const topics = topicNames(env.TOPIC_PREFIX);
  const commands = SAMPLE_PARTICIPANTS.map((participant) => topics.commands(participant));
  const dlq = (topic: string) => topics.deadLetter(topic);
  const file = (name: string) => secretFileAt(pod, container, env[name]!);

  it('connect to the TLS SCRAM listener by a namespace-qualified name, with the KafkaUser password and the cluster CA', () => {
    const { kafka } = examples;
    const listener = kafka.spec.kafka.listeners.find((candidate) => candidate.tls)!;
    expect(listener.authentication?.type).toBe(env.KAFKA_SASL_MECHANISM);
    // <cluster>-kafka-bootstrap.<namespace>.svc: covered by the brokers' certificates.
    const bootstrap = `${kafka.metadata.name}-kafka-bootstrap.${kafka.metadata.namespace}.svc`;
    expect(env.KAFKA_BROKERS).toBe(`${bootstrap}:${listener.port}`);
    expect(env.KAFKA_BROKERS).toMatch(NAMESPACED_SERVICE);
    const ca = `${kafka.metadata.name}-cluster-ca-cert`;
    expect(file('KAFKA_SSL_CA_FILE')).toEqual({ secretName: ca, key: 'ca.crt' });
    const password = { secretName: env.KAFKA_SASL_USERNAME, key: 'password' };
    expect(file('KAFKA_SASL_PASSWORD_FILE')).toEqual(password);
    expect(kafkaUser(env.KAFKA_SASL_USERNAME!).spec.authentication?.type).toBe('scram-sha-512');
    expect(kafka.spec.kafka.config).toMatchObject({ 'auto.create.topics.enable': false });
  });

  it('let the coordinator read, write and create what it does, and read its groups', () => {
    const reads = [
      topics.start,
      topics.replies,
      ...[topics.start, topics.replies, ...commands].map(dlq),
    ];
    const writes = [topics.events, ...commands, dlq(topics.start), dlq(topics.replies)];
    const creates = [topics.start, topics.replies, topics.events, ...commands].flatMap((t) => [
      t,
      dlq(t),
    ]);
    const groups = [topics.start, topics.replies, `${env.TOPIC_PREFIX}dead-letters`].map(
      (topic) => `${env.CONSUMER_GROUP}.${topic}`,
    );
    const wanted: [string, string, string][] = [
      ...reads.map((topic): [string, string, string] => ['topic', topic, 'Read']),
      ...writes.map((topic): [string, string, string] => ['topic', topic, 'Write']),
      ...creates.flatMap((topic): [string, string, string][] => [
        ['topic', topic, 'Create'],
        ['topic', topic, 'Describe'],
      ]),
      ...groups.flatMap((group): [string, string, string][] => [
        ['group', group, 'Read'],
        ['group', group, 'Describe'],
      ]),
    ];
    expect(refused(kafkaUser(env.KAFKA_SASL_USERNAME!), wanted)).toEqual([]);
  });

  it('let the sample participants read their commands in their groups and reply', () => {
    const participants = participantsOf(participantsObjectsOf(environment));
    const wanted = SAMPLE_PARTICIPANTS.flatMap((participant): [string, string, string][] => [
      ['topic', topics.commands(participant), 'Read'],
      ['topic', dlq(topics.commands(participant)), 'Write'],
      ['topic', dlq(topics.commands(participant)), 'Create'],
      // libs/saga-participant: a participant's group is `<prefix><name>.participant`.
      ['group', `${env.TOPIC_PREFIX}${participant}.participant`, 'Read'],
    ]);
    wanted.push(['topic', topics.replies, 'Write']);
    expect(refused(kafkaUser(participants.user), wanted)).toEqual([]);
  });
});

describe('docs/KUBERNETES.md and docs/DEPLOYMENT.md', () => {
  const kubernetes = readFileSync('docs/KUBERNETES.md', 'utf8');
  const deployment = readFileSync('docs/DEPLOYMENT.md', 'utf8');
  const job = migrateJobOf('production').workload;

  it('show an api-keys.json that the coordinator accepts', () => {
    const [, json] = /cat > api-keys\.json <<EOF\n([\s\S]*?)\n\s*EOF\n/.exec(kubernetes) ?? [];
    const keys: unknown = JSON.parse(json!.replace('$sha256', hashApiKey('k'.repeat(32))));
    expect(apiKeyListSchema.parse(keys)).toHaveLength(1);
  });

  it('create the namespace, then the secrets, then wait for Kafka and Postgres, then migrate', () => {
    const steps = [
      'kubectl create namespace saga\n',
      'kubectl -n saga create secret generic saga-coordinator-keys \\\n',
      'kubectl -n saga wait kafka/saga-kafka --for=condition=Ready',
      'kubectl -n saga wait cluster.postgresql.cnpg.io/saga-postgres --for=condition=Ready',
      'kubectl apply -k deploy/kubernetes/overlays/production/migrate',
    ].map((step) => kubernetes.indexOf(step));
    expect(steps.every((at) => at >= 0)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });

  it('delete the previous migrate Job, and wait for either outcome past its deadline', () => {
    const [, seconds] = /deadline=\$\(\(SECONDS \+ (\d+)\)\)/.exec(kubernetes) ?? [];
    expect(Number(seconds)).toBeGreaterThan(job.spec!.activeDeadlineSeconds!);
    expect(kubernetes).toContain(`local job=job/${job.metadata.name} `);
    expect(kubernetes).toMatch(/\*" Complete "\*\) return 0/);
    expect(kubernetes).toMatch(/\*" Failed "\*\).*return 1/);
    for (const guide of [kubernetes, deployment]) {
      expect(guide).toContain(`kubectl -n saga delete job ${job.metadata.name} --ignore-not-found`);
      expect(guide).toContain('wait_for_migrate saga');
    }
  });
});
