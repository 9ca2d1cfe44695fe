/**
 * Holds deploy/kubernetes to the Kubernetes API of the oldest release deploy/README.md supports:
 * every manifest as written, and every way the README tells users to build it (the base, the
 * sharded CronJob, the long-running scheduler with the Prometheus Operator components, the
 * backfill), validated against that release's schemas; the minimum version is the newest GA
 * release of any feature they use; the image is set in one place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_KINDS, SCHEMA_KUBERNETES_VERSION, SCHEMA_PACKAGE, schemaProblems } from '../../support/kube-schema.js';
import { build, parseYamlFile, type KubeObject } from '../../support/kustomize.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy/kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; devDependencies: Record<string, string> };

const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as KubeObject)[key] : undefined), value);

/** Turns a commented line of a kustomization on, as the README says to; fails if the line is not there. */
function uncomment(text: string, ...lines: string[]): string {
  return lines.reduce((current, line) => {
    const commented = new RegExp(`^(\\s*)# (- ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})\\s*$`, 'm');
    expect(current, `kustomization.yaml has a commented "- ${line}"`).toMatch(commented);
    return current.replace(commented, '$1$2');
  }, text);
}
function comment(text: string, line: string): string {
  const active = new RegExp(`^(\\s*)(- ${line.replace(/\./g, '\\.')})\\s*$`, 'm');
  expect(text, `kustomization.yaml lists "- ${line}"`).toMatch(active);
  return text.replace(active, '$1# $2');
}

/** The builds the deploy README describes: the base as committed, and the base as users edit it. */
const BUILD_RECIPES: Record<string, () => KubeObject[]> = {
  'the base (nightly CronJob)': () => build(K8S),
  'the sharded CronJob with alerts': () =>
    build(K8S, { edit: (path, text) => (path === 'kustomization.yaml' ? uncomment(text, 'sharded', 'alerts') : text) }),
  'the long-running scheduler with alerts and a ServiceMonitor': () =>
    build(K8S, {
      edit: (path, text) => (path === 'kustomization.yaml' ? uncomment(comment(text, 'cronjob.yaml'), 'deployment.yaml', 'service.yaml', 'alerts', 'service-monitor') : text),
    }),
  'the backfill (a one-off sharded pass)': () => build(join(K8S, 'backfill')),
};

/** Each build made once: the tests only read them. */
const BUILDS: Record<string, () => KubeObject[]> = Object.fromEntries(
  Object.entries(BUILD_RECIPES).map(([name, make]) => {
    let built: KubeObject[] | undefined;
    return [name, () => (built ??= make())];
  }),
);

const podSpecs = (object: KubeObject): KubeObject[] => {
  const path = { CronJob: 'spec.jobTemplate.spec.template.spec', Job: 'spec.template.spec', Deployment: 'spec.template.spec' }[String(object.kind)];
  return path ? [get(object, path) as KubeObject] : [];
};
const jobSpecs = (object: KubeObject): KubeObject[] =>
  object.kind === 'CronJob' ? [get(object, 'spec.jobTemplate.spec') as KubeObject] : object.kind === 'Job' ? [object.spec as KubeObject] : [];

/**
 * The Kubernetes features the manifests may use, with the release in which each became GA
 * (stable, on in every cluster). The minimum version is the newest of those in use.
 */
const FEATURES: Array<{ field: string; ga: string; uses: (object: KubeObject) => boolean }> = [
  { field: 'backoffLimitPerIndex', ga: '1.33', uses: (o) => jobSpecs(o).some((job) => job.backoffLimitPerIndex !== undefined) },
  { field: 'podFailurePolicy', ga: '1.31', uses: (o) => jobSpecs(o).some((job) => job.podFailurePolicy !== undefined) },
  {
    field: 'onPodConditions',
    ga: '1.31',
    uses: (o) => jobSpecs(o).some((job) => ((get(job, 'podFailurePolicy.rules') ?? []) as KubeObject[]).some((rule) => rule.onPodConditions !== undefined)),
  },
  { field: 'timeZone', ga: '1.27', uses: (o) => o.kind === 'CronJob' && get(o, 'spec.timeZone') !== undefined },
  { field: 'sizeLimit', ga: '1.25', uses: (o) => podSpecs(o).some((pod) => ((pod.volumes ?? []) as KubeObject[]).some((v) => get(v, 'emptyDir.sizeLimit') !== undefined)) },
  { field: 'completionMode', ga: '1.24', uses: (o) => jobSpecs(o).some((job) => job.completionMode === 'Indexed') },
  { field: 'ttlSecondsAfterFinished', ga: '1.23', uses: (o) => jobSpecs(o).some((job) => job.ttlSecondsAfterFinished !== undefined) },
];
const minor = (version: string) => Number(version.split('.')[1]);

/** Every manifest file as written, except kustomizations and the patches (partial objects) they apply. */
function manifestFiles(): Array<{ file: string; object: KubeObject }> {
  const all = listYaml(K8S).flatMap((file) => parseYamlFile(file, readFileSync(join(K8S, file), 'utf8')).map((object) => ({ file, object })));
  const patches = new Set(
    all
      .filter(({ object }) => object.kind === 'Kustomization' || object.kind === 'Component')
      .flatMap(({ file, object }) => ((object.patches ?? []) as Array<{ path?: string }>).map((p) => join(file, '..', p.path ?? ''))),
  );
  return all.filter(({ file, object }) => object.kind !== 'Kustomization' && object.kind !== 'Component' && !patches.has(file));
}
function listYaml(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listYaml(join(dir, entry.name), join(prefix, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(prefix, entry.name)] : [],
  );
}

describe(`the Kubernetes manifests, against the Kubernetes ${SCHEMA_KUBERNETES_VERSION} API`, () => {
  it('state the minimum Kubernetes version in the deploy README, and validate against that release’s schemas', () => {
    const stated = /Kubernetes (\d+\.\d+) or newer/.exec(read('deploy/README.md'));
    expect(stated, 'deploy/README.md says "Kubernetes 1.NN or newer"').not.toBeNull();
    expect(stated![1]).toBe(SCHEMA_KUBERNETES_VERSION);
    expect(read('deploy/kubernetes/kustomization.yaml')).toContain(`Kubernetes ${SCHEMA_KUBERNETES_VERSION} or newer`);
    // kubernetes-models 4.5.x is generated from Kubernetes 1.33.0's OpenAPI spec; another version is another release's API.
    expect(pkg.devDependencies[SCHEMA_PACKAGE.name]).toBe(SCHEMA_PACKAGE.version);
  });

  it('need no release newer than the minimum: it is the newest GA release of any feature they use, and the README lists them', () => {
    const objects = Object.values(BUILDS).flatMap((make) => make());
    const used = FEATURES.filter((feature) => objects.some(feature.uses));
    expect(used.map((f) => f.field)).toEqual(FEATURES.map((f) => f.field));
    const newest = Math.max(...used.map((f) => minor(f.ga)));
    expect(`1.${newest}`, `features in use: ${used.map((f) => `${f.field} (GA ${f.ga})`).join(', ')}`).toBe(SCHEMA_KUBERNETES_VERSION);
    const readme = read('deploy/README.md');
    for (const { field, ga } of used) expect(readme, `deploy/README.md: | … | \`${field}\` | ${ga} |`).toMatch(new RegExp(`\\| \`${field}\` \\| ${ga.replace('.', '\\.')} \\|`));
  });

  it('are each valid as written', () => {
    const files = manifestFiles();
    expect(files.map((f) => f.object.kind).sort()).toEqual(
      ['ConfigMap', 'CronJob', 'Deployment', 'Job', 'PrometheusRule', 'Secret', 'Service', 'ServiceAccount', 'ServiceMonitor'].sort(),
    );
    for (const { file, object } of files) expect(schemaProblems(object), file).toEqual([]);
  });

  for (const [name, make] of Object.entries(BUILDS)) {
    it(`are valid as built: ${name}`, () => {
      const objects = make();
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) expect(schemaProblems(object), `${String(object.kind)} ${String(get(object, 'metadata.name'))}`).toEqual([]);
    });
  }

  it('build what each variant promises: the sharded Job indexed, the scheduler scraped, every object labelled part-of', () => {
    const kinds = (objects: KubeObject[]) => objects.map((o) => String(o.kind)).sort();
    const base = BUILDS['the base (nightly CronJob)']!();
    expect(kinds(base)).toEqual(['ConfigMap', 'CronJob', 'ServiceAccount']);
    const sharded = BUILDS['the sharded CronJob with alerts']!();
    expect(kinds(sharded)).toEqual(['ConfigMap', 'CronJob', 'PrometheusRule', 'ServiceAccount']);
    const job = get(sharded.find((o) => o.kind === 'CronJob'), 'spec.jobTemplate.spec') as KubeObject;
    expect(job).toMatchObject({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 2, backoffLimit: 6, podFailurePolicy: expect.any(Object) });
    expect(get(job, 'template.spec.containers')).toEqual([expect.objectContaining({ name: 'archiver', args: ['archive', '--set', 'sharding.count=3'], securityContext: expect.any(Object) })]);
    const scheduler = BUILDS['the long-running scheduler with alerts and a ServiceMonitor']!();
    expect(kinds(scheduler)).toEqual(['ConfigMap', 'Deployment', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    const service = scheduler.find((o) => o.kind === 'Service')!;
    const monitor = scheduler.find((o) => o.kind === 'ServiceMonitor')!;
    for (const [key, value] of Object.entries(get(monitor, 'spec.selector.matchLabels') as Record<string, string>)) expect((get(service, 'metadata.labels') as Record<string, string>)[key], key).toBe(value);
    expect((get(monitor, 'spec.endpoints') as KubeObject[]).map((e) => e.port)).toEqual((get(service, 'spec.ports') as KubeObject[]).map((p) => p.name));
    for (const object of Object.values(BUILDS).flatMap((make) => make())) expect(get(object, 'metadata.labels'), identity(object)).toMatchObject({ 'app.kubernetes.io/part-of': 'dcs-log-archiver' });
  });

  it('alert on no success in 2 days, on days at risk and on failed files, from metrics the archiver exports', () => {
    const rule = manifestFiles().find((f) => f.object.kind === 'PrometheusRule')!.object;
    const rules = (get(rule, 'spec.groups') as Array<{ rules: Array<{ alert: string; expr: string }> }>).flatMap((g) => g.rules);
    const exported = [...read('src/metrics.ts').matchAll(/name: '(dcs_archiver_[a-z_]+)'/g)].map((m) => m[1]!);
    expect(rules.map((r) => r.alert)).toEqual(['DcsArchiverNoSuccessIn2Days', 'DcsArchiverDaysAtRisk', 'DcsArchiverFilesFailed']);
    for (const { alert, expr } of rules) {
      const metrics = [...expr.matchAll(/\bdcs_archiver_[a-z_]+/g)].map((m) => m[0]);
      expect(metrics.length, alert).toBeGreaterThan(0);
      for (const metric of metrics) expect(exported, `${alert} uses ${metric}`).toContain(metric);
    }
    expect(rules[0]!.expr).toMatch(/2 \* 86400/);
  });

  it('set the image in one place: image/kustomization.yaml, tagged with package.json’s version, applied to every build', () => {
    const components = manifestFiles().flatMap(({ object }) => podSpecs(object).flatMap((pod) => pod.containers as Array<{ image: string }>));
    expect(new Set(components.map((c) => c.image))).toEqual(new Set(['dcs-log-archiver']));
    const all = listYaml(K8S).flatMap((file) => parseYamlFile(file, readFileSync(join(K8S, file), 'utf8')).map((object) => ({ file, object })));
    const images = all.filter(({ object }) => object.images !== undefined);
    expect(images.map((i) => i.file)).toEqual(['image/kustomization.yaml']);
    const [image] = images[0]!.object.images as Array<{ name: string; newName: string; newTag: string }>;
    expect(image).toEqual({ name: 'dcs-log-archiver', newName: expect.stringMatching(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9./-]+$/), newTag: pkg.version });
    for (const [name, make] of Object.entries(BUILDS)) {
      const built = make().flatMap(podSpecs).flatMap((pod) => pod.containers as Array<{ image: string }>);
      expect(built.length, name).toBeGreaterThan(0);
      for (const container of built) expect(container.image, name).toBe(`${image!.newName}:${pkg.version}`);
    }
  });
});

const identity = (object: KubeObject) => `${String(object.kind)} ${String(get(object, 'metadata.name'))}`;

describe(`validating against the Kubernetes ${SCHEMA_KUBERNETES_VERSION} schemas`, () => {
  const job = (spec: KubeObject, pod: KubeObject = {}, container: KubeObject = {}): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'x', labels: { any: 'label' } },
    spec: { completionMode: 'Indexed', completions: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i', ...container }], ...pod } }, ...spec },
  });

  it('accepts a valid object, maps such as labels included', () => {
    expect(schemaProblems(job({ backoffLimitPerIndex: 1 }))).toEqual([]);
  });

  it('refuses a misspelt field, at any depth', () => {
    expect(schemaProblems(job({ backoffLimitPerIndx: 1 }))).toEqual(['spec.backoffLimitPerIndx: no such field in Kubernetes 1.33']);
    expect(schemaProblems(job({}, {}, { imagePullPolicyy: 'Always' }))).toEqual(['spec.template.spec.containers[0].imagePullPolicyy: no such field in Kubernetes 1.33']);
  });

  it('refuses a field that only a newer release has (the pod’s hostnameOverride came in 1.34)', () => {
    expect(schemaProblems(job({}, { hostnameOverride: 'x' }))).toEqual(['spec.template.spec.hostnameOverride: no such field in Kubernetes 1.33']);
  });

  it('refuses a wrong type, a value outside an enum, a bad quantity and a missing required field', () => {
    expect(schemaProblems(job({ backoffLimitPerIndex: 'two' })).join('\n')).toContain('data/spec/backoffLimitPerIndex must be integer');
    expect(schemaProblems(job({ completionMode: 'Indexd' })).join('\n')).toContain('data/spec/completionMode must be equal to one of the allowed values');
    expect(schemaProblems(job({}, {}, { resources: { limits: { memory: '512MB!' } } })).join('\n')).toContain('must match format "quantity"');
    expect(schemaProblems(job({}, { containers: undefined })).join('\n')).toContain('must have required property');
  });

  it('refuses a kind or API version outside the table, such as the batch/v1beta1 CronJob removed in 1.25', () => {
    expect(schemaProblems({ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'x' } })).toEqual([
      `no schema for batch/v1beta1/CronJob: the manifests use only ${KNOWN_KINDS.join(', ')}`,
    ]);
  });
});
