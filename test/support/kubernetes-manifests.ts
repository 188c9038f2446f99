// Renders deploy/kubernetes/ with `kubectl kustomize` (no cluster needed) and validates each
// object against its schema: kubernetes-models for the core kinds, and the models built from the
// CRDs (or the operators' Go API types) of KEDA, Strimzi, CloudNativePG and the Prometheus
// Operator. Also reads docs/CONFIGURATION.md's variable tables. Used by
// test/unit/kubernetes-manifests.spec.ts.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Kafka } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka';
import { KafkaNodePool } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool';
import { KafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic';
import {
  KafkaUser,
  type IKafkaUser,
} from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaUser';

/** One rendered object: what every kind has; narrow it with {@link manifestsOf}. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
}

type ModelClass = new (data: never) => { validate(): void };

/** The schema of each kind the manifests may hold, by `apiVersion/kind`. */
const MODELS = new Map<string, ModelClass>([
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['v1/ServiceAccount', ServiceAccount],
  ['apps/v1/Deployment', Deployment],
  ['batch/v1/Job', Job],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
  ['keda.sh/v1alpha1/ScaledObject', ScaledObject],
  ['keda.sh/v1alpha1/TriggerAuthentication', TriggerAuthentication],
  ['monitoring.coreos.com/v1/ServiceMonitor', ServiceMonitor],
  ['monitoring.coreos.com/v1/PrometheusRule', PrometheusRule],
  ['kafka.strimzi.io/v1/Kafka', Kafka],
  ['kafka.strimzi.io/v1/KafkaNodePool', KafkaNodePool],
  ['kafka.strimzi.io/v1/KafkaTopic', KafkaTopic],
  ['kafka.strimzi.io/v1/KafkaUser', KafkaUser],
  ['postgresql.cnpg.io/v1/Cluster', Cluster],
]);

/**
 * The objects `kubectl kustomize deploy/kubernetes/<dir>` renders. Throws, never skips, when
 * kubectl is missing or the kustomization is broken.
 */
export function renderKustomization(dir: string): Manifest[] {
  const path = `deploy/kubernetes/${dir}`;
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'kubectl is not on the PATH: the Kubernetes manifests are rendered with `kubectl kustomize` ' +
          '(kubectl 1.27 or later, which carries kustomize v5). Install kubectl; these tests are never skipped.',
        { cause: error },
      );
    }
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`kubectl kustomize ${path} failed:\n${stderr}`, { cause: error });
  }
  return parseAllDocuments(output).map((document) => document.toJS() as Manifest);
}

/** Validates `object` against the schema of its kind; throws naming the object and the fault. */
export function validateManifest(object: Manifest): void {
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add its model to MODELS`);
  }
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The objects of `kind` among `objects`, typed as the model's interface `T`. */
export function manifestsOf<T>(objects: readonly Manifest[], kind: string): (T & Manifest)[] {
  return objects.filter((object) => object.kind === kind) as (T & Manifest)[];
}

/** The one object of `kind` (and `name`, when given); throws when there is none or several. */
export function theManifest<T>(
  objects: readonly Manifest[],
  kind: string,
  name?: string,
): T & Manifest {
  const found = manifestsOf<T>(objects, kind).filter(
    (object) => name === undefined || object.metadata.name === name,
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0]!;
}

/**
 * The Deployment or Job `name` of `objects`, its pod spec, its first container and the
 * environment that container starts with.
 */
export function workloadOf<T extends IDeployment | IJob>(
  objects: readonly Manifest[],
  kind: 'Deployment' | 'Job',
  name: string,
) {
  const workload = theManifest<T>(objects, kind, name);
  const pod = workload.spec!.template.spec!;
  const container = pod.containers[0]!;
  return { objects, workload, pod, container, env: environmentOf(objects, container) };
}

/** Every pod spec of the Deployments and Jobs of `objects`, with the name of its owner. */
export function podSpecsOf(objects: readonly Manifest[]): { owner: string; spec: IPodSpec }[] {
  return objects.flatMap((object) => {
    if (object.kind !== 'Deployment' && object.kind !== 'Job') return [];
    const { spec } = object as Manifest & { spec: { template: { spec: IPodSpec } } };
    return [{ owner: `${object.kind} ${object.metadata.name}`, spec: spec.template.spec }];
  });
}

/**
 * The environment `container` starts with: its envFrom ConfigMaps, then its env (which wins),
 * a configMapKeyRef resolved from `objects`, a secretKeyRef as `<secret name/key>`.
 */
export function environmentOf(
  objects: readonly Manifest[],
  container: IContainer,
): Record<string, string> {
  const configMap = (name: string) =>
    theManifest<{ data?: Record<string, string> }>(objects, 'ConfigMap', name).data ?? {};
  const environment: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef === undefined) throw new Error('only envFrom ConfigMaps are expected');
    Object.assign(environment, configMap(source.configMapRef.name!));
  }
  for (const variable of container.env ?? []) {
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
    if (configMapKeyRef !== undefined) {
      environment[variable.name] = configMap(configMapKeyRef.name!)[configMapKeyRef.key] ?? '';
    } else if (secretKeyRef !== undefined) {
      environment[variable.name] = `<secret ${secretKeyRef.name}/${secretKeyRef.key}>`;
    } else {
      environment[variable.name] = variable.value ?? '';
    }
  }
  return environment;
}

/** The secret and key whose file `container` sees at `path`, through a read-only mount. */
export function secretFileAt(
  pod: IPodSpec,
  container: IContainer,
  path: string,
): { secretName: string; key: string } | undefined {
  for (const mount of container.volumeMounts ?? []) {
    if (mount.readOnly !== true || !path.startsWith(`${mount.mountPath}/`)) continue;
    const file = path.slice(mount.mountPath.length + 1);
    const secret = pod.volumes?.find((volume) => volume.name === mount.name)?.secret;
    const item = secret?.items?.find((candidate) => candidate.path === file);
    if (secret?.secretName !== undefined && item !== undefined) {
      return { secretName: secret.secretName, key: item.key };
    }
  }
  return undefined;
}

/** True when every label `selector` asks for is among `labels`. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels?.[key] === value);
}

/** A deep copy of `object` with `value` at the dotted `path` (`spec.endpoints.0.port`). */
export function withValue(object: Manifest, path: string, value: unknown): Manifest {
  const copy = structuredClone(object) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return copy as unknown as Manifest;
}

/** Fake contents of the mounted secrets, by the variable that names the file. */
const FAKE_SECRETS: Record<string, string> = {
  DATABASE_URL_FILE: 'postgresql://app:password@saga-postgres-rw.saga:5432/app\n',
  API_KEYS_FILE: '[]',
  ENCRYPTION_KEYS_FILE: `k1:${Buffer.alloc(32, 7).toString('base64')}\n`,
  KAFKA_SASL_PASSWORD_FILE: 'password\n',
  KAFKA_SSL_CA_FILE: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  JWT_PUBLIC_KEY_FILE: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
};

/**
 * A `readFile` for the configuration loaders: the file a `*_FILE` variable of `env` names holds
 * a fake but well-formed secret; any other path does not exist.
 */
export function readFakeSecrets(env: Record<string, string>): (path: string) => string {
  return (path) => {
    const variable = Object.keys(FAKE_SECRETS).find((name) => env[name] === path);
    if (variable === undefined) throw new Error(`ENOENT: no such file ${path}`);
    return FAKE_SECRETS[variable]!;
  };
}

/** Whether the ACLs of the Strimzi KafkaUser `user` allow `operation` on the `type` resource `name`. */
export function aclAllows(
  user: IKafkaUser,
  type: string,
  name: string,
  operation: string,
): boolean {
  return (user.spec.authorization?.acls ?? []).some(
    ({ resource, operations }) =>
      resource.type === type &&
      (resource.patternType === 'prefix'
        ? name.startsWith(resource.name!)
        : name === resource.name) &&
      (operations as string[]).some((allowed) => allowed === operation || allowed === 'All'),
  );
}

/** What docs/CONFIGURATION.md says about the variables. */
export interface DocumentedVariables {
  /** Every variable named in the first column of a table headed `variable`. */
  readonly documented: ReadonlySet<string>;
  /** The variables of the table headed `not set on Kubernetes`. */
  readonly notOnKubernetes: ReadonlySet<string>;
  /** The default of each variable whose default cell is a plain value (`10`, `` `500` (ms) ``). */
  readonly defaults: ReadonlyMap<string, string>;
}

/** Reads the variable tables of a configuration document. */
export function documentedVariables(markdown: string): DocumentedVariables {
  const documented = new Set<string>();
  const notOnKubernetes = new Set<string>();
  const defaults = new Map<string, string>();
  let header: string | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = line.split('|').map((cell) => cell.trim());
    const [first = '', second = ''] = cells.slice(1);
    if (header === undefined) {
      header = first.toLowerCase();
      continue;
    }
    const names = [...first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!);
    if (header === 'not set on kubernetes') names.forEach((name) => notOnKubernetes.add(name));
    if (header !== 'variable') continue;
    names.forEach((name) => documented.add(name));
    plainDefaults(second, names.length)?.forEach((value, index) =>
      defaults.set(names[index]!, value),
    );
  }
  return { documented, notOnKubernetes, defaults };
}

/** `` `3000`, `127.0.0.1` `` → its values, a trailing `(note)` aside; undefined for prose. */
function plainDefaults(cell: string, count: number): string[] | undefined {
  const values = cell
    .replace(/\s*\(.*\)$/, '')
    .split(/,\s+/)
    .map((part) => /^`([^`]*)`$/.exec(part)?.[1]);
  if (values.length !== count || values.some((value) => value === undefined)) return undefined;
  return values as string[];
}
