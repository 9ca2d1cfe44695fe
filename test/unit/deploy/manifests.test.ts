/**
 * Holds the Dockerfile, scripts/container-smoke.sh, scripts/test-node-major.sh and the
 * Kubernetes manifests under deploy/kubernetes to each other and to the CLI: the commands and
 * flags they run exist, the pods are locked down, the memory fits the documented bound, the
 * image holds exactly what the smoke test rebuilds, and no credential is checked in.
 * (The smoke test itself is run by CI directly, not from here.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { main } from '../../../src/cli.js';
import { loadConfig } from '../../../src/config/load.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy/kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; dependencies: Record<string, string> };

// ---------------------------------------------------------------- the CLI's commands and flags

/** Command name → the flags it takes, read from the CLI's own --help. */
async function cliCommands(): Promise<Map<string, string[]>> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await main(['--help'], { env: {}, cwd: ROOT, stdout, stderr: new PassThrough() });
  expect(code).toBe(0);
  const commands = new Map<string, string[]>();
  for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
    const match = /^ {2}dcs-log-archiver ([a-z][\w-]*) .*\[([^\]]*)\]$/.exec(line);
    if (match) commands.set(match[1]!, match[2]!.split(/\s+/).filter(Boolean).map((flag) => flag.replace(/^--/, '')));
  }
  expect(commands.size, 'no command found in `dcs-log-archiver --help`').toBeGreaterThan(0);
  return commands;
}

/** Every problem with one argv for the CLI: an unknown command, or a flag that command does not take. */
function argvProblems(argv: unknown, commands: Map<string, string[]>): string[] {
  if (!Array.isArray(argv) || argv.length === 0) return [`no command in ${JSON.stringify(argv)}`];
  const [name, ...rest] = argv as string[];
  const flags = commands.get(name!);
  if (!flags) return [`"${name}" is not a command of this build (it has: ${[...commands.keys()].join(', ')})`];
  return rest
    .filter((token) => token.startsWith('--'))
    .map((token) => token.slice(2).split('=')[0]!)
    .filter((flag) => !flags.includes(flag))
    .map((flag) => `${name} does not take --${flag} (it takes: ${flags.map((f) => `--${f}`).join(' ')})`);
}

// ---------------------------------------------------------------- the Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function dockerfileStages(): Stage[] {
  const lines = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', as, name] = args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

const runtimeStage = () => dockerfileStages().at(-1)!;
const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const execForm = (args: string) => JSON.parse(args) as string[];

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}
function copies(stage: Stage): Copy[] {
  return instructions(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
  });
}

/** What the runtime stage holds under /app: a COPY's destination, or each file copied into ./ */
function runtimeEntries(): Map<string, Copy> {
  const entries = new Map<string, Copy>();
  for (const copy of copies(runtimeStage())) {
    const names = copy.destination.endsWith('/') && copy.sources.length > 1 ? copy.sources.map((s) => basename(s)) : [basename(copy.destination)];
    for (const name of names) entries.set(name.replace(/^\.\/?/, ''), copy);
  }
  return entries;
}

function smokeRuntimeFiles(): string[] {
  const match = /^RUNTIME_FILES=\(([^)]*)\)/m.exec(read('scripts/container-smoke.sh'));
  expect(match, 'scripts/container-smoke.sh has no RUNTIME_FILES=(...) line').not.toBeNull();
  return match![1]!.trim().split(/\s+/);
}

describe('the Dockerfile', () => {
  it('builds every stage on the Node LTS slim image whose major scripts/test-node-major.sh tests by default', async () => {
    const stages = dockerfileStages();
    expect(stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
    const majors = new Set(stages.map((s) => /^node:(\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.exec(s.from)?.[1]));
    expect([...majors], `every FROM is node:NN-<debian>-slim of one major: ${stages.map((s) => s.from).join(', ')}`).toHaveLength(1);
    const { stdout } = await run('bash', [join(ROOT, 'scripts/test-node-major.sh'), '--print-major'], { cwd: ROOT });
    expect(stdout.trim()).toBe([...majors][0]);
  });

  it('builds with all dependencies and ships only the production ones', () => {
    const [build, prodDeps] = dockerfileStages();
    expect(instructions(build!, 'RUN').join('\n')).toMatch(/\bnpm ci\b(?![^\n]*--omit)/);
    expect(instructions(build!, 'RUN').join('\n')).toMatch(/\bnpm run build\b/);
    expect(instructions(prodDeps!, 'RUN').join('\n')).toMatch(/\bnpm ci\b[^\n]*--omit=dev/);
    expect(instructions(runtimeStage(), 'RUN'), 'the runtime stage runs nothing: it only copies').toEqual([]);
  });

  it('copies into the runtime image exactly what container-smoke.sh copies, plus the production node_modules', () => {
    const entries = runtimeEntries();
    expect(entries.get('node_modules')?.from).toBe('prod-deps');
    expect([...entries.keys()].filter((name) => name !== 'node_modules').sort()).toEqual([...smokeRuntimeFiles()].sort());
    expect(entries.get('dist')?.from).toBe('build');
    expect(read('scripts/container-smoke.sh')).toMatch(/npm ci --omit=dev/);
  });

  it('runs as a non-root user, in /app, in production mode, with TMPDIR on /tmp', () => {
    const stage = runtimeStage();
    const user = instructions(stage, 'USER').at(-1);
    expect(user, 'the runtime stage sets USER').toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(user!.split(':')[0]).toBe('1000');
    expect(instructions(stage, 'WORKDIR').at(-1)).toBe('/app');
    const env = instructions(stage, 'ENV').join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bTMPDIR=\/tmp\b/);
  });

  it('starts node dist/cli.js with a command the CLI has, and exposes the metrics port', async () => {
    const stage = runtimeStage();
    expect(execForm(instructions(stage, 'ENTRYPOINT').at(-1)!)).toEqual(['node', '--max-semi-space-size=4', 'dist/cli.js']); // the start-up flag: test/unit/structure/startup-flags.test.ts
    const cmd = execForm(instructions(stage, 'CMD').at(-1)!);
    expect(cmd).toEqual(['schedule']);
    expect(argvProblems(cmd, await cliCommands())).toEqual([]);
    expect(instructions(stage, 'EXPOSE')).toEqual(['9464']);
  });

  it('labels the image with OCI annotations and the package version', () => {
    const stage = runtimeStage();
    const labels = instructions(stage, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'version', 'licenses', 'source']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(instructions(stage, 'ARG')).toContain(`VERSION=${pkg.version}`);
  });

  it('has a HEALTHCHECK, run by node itself, that passes only while /healthz answers 200', async () => {
    const healthcheck = instructions(runtimeStage(), 'HEALTHCHECK').at(-1) ?? '';
    const argv = execForm(/\bCMD\s+(\[.*\])$/.exec(healthcheck)?.[1] ?? 'null');
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain('http://127.0.0.1:9464/healthz');

    let status = 200;
    const server: Server = createServer((request, response) => {
      response.statusCode = request.url === '/healthz' ? status : 404;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const probe = async (script: string) =>
      run(process.execPath, ['-e', script], { timeout: 10_000 }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    const script = argv[2]!.replace(':9464/', `:${port}/`);
    try {
      expect(await probe(script)).toBe(0);
      status = 503;
      expect(await probe(script)).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // Nothing listening at all.
    expect(await probe(script)).toBe(1);
  });

  it('has a .dockerignore that lets into the build context only what the Dockerfile copies from it', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(patterns[0], 'an allow-list: everything is excluded first').toBe('*');
    const allowed = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/\/$/, ''));
    const fromContext = dockerfileStages()
      .flatMap(copies)
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);
    expect([...new Set(allowed)].sort()).toEqual([...new Set(fromContext)].sort());
    for (const excluded of ['node_modules', 'dist', '.git', 'coverage', '.demo', 'sim']) expect(allowed).not.toContain(excluded);
  });

  it('leaves the DCS simulator (sim/) out of the image and the package; the smoke test starts it from the repository', () => {
    const inSim = (path: string) => /^(\.\/)?sim(\/|$)/.test(path);
    const fromContext = dockerfileStages()
      .flatMap(copies)
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);
    expect(fromContext.filter(inSim)).toEqual([]);
    const files = (JSON.parse(read('package.json')) as { files: string[] }).files;
    expect(files.filter(inSim), 'package.json "files"').toEqual([]);
    // dist/ is built from src/ alone, so it cannot hold the simulator.
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[]; compilerOptions: { rootDir: string; outDir: string } };
    expect(build.include).toEqual(['src']);
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    const smoke = read('scripts/container-smoke.sh');
    expect(smoke).toContain('${repoDir}/sim/index.ts');
    expect(smoke).not.toContain('dist/sim/index.js');
  });
});

// ---------------------------------------------------------------- the Kubernetes manifests

type Json = Record<string, unknown>;
interface Manifest {
  file: string;
  doc: Json;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [relative(K8S, path)] : [];
  });
}

function parseFile(file: string): Json[] {
  const documents = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
  const list = Array.isArray(documents) ? documents : [documents];
  return list.flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value = document.toJS() as Json | null;
    return value === null ? [] : [value];
  });
}

const ALL = yamlFiles(K8S).flatMap((file) => parseFile(file).map((doc) => ({ file, doc })));
const isKustomization = (m: Manifest) => m.doc.kind === 'Kustomization' || m.doc.kind === 'Component';
const KUSTOMIZATIONS = ALL.filter(isKustomization);
const PATCH_FILES = new Set(
  KUSTOMIZATIONS.flatMap(({ file, doc }) => ((doc.patches ?? []) as Array<{ path?: string }>).flatMap((p) => (p.path ? [join(dirname(file), p.path)] : []))),
);
const MANIFESTS = ALL.filter((m) => !isKustomization(m) && !PATCH_FILES.has(m.file));
const PATCHES = ALL.filter((m) => PATCH_FILES.has(m.file));

const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined), value);
const ofKind = (kind: string) => MANIFESTS.filter((m) => m.doc.kind === kind);
const one = (kind: string) => {
  const found = ofKind(kind);
  expect(found.map((m) => m.file), `exactly one ${kind}`).toHaveLength(1);
  return found[0]!.doc;
};

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: Json;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Json;
  readinessProbe?: Json;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: Json;
  volumes?: Array<{ name: string; emptyDir?: Json; configMap?: { name: string } }>;
  restartPolicy?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
}

/** Every pod template in the manifests, with where it is. */
function pods(): Array<{ where: string; spec: PodSpec }> {
  return MANIFESTS.flatMap(({ file, doc }) => {
    const path = { CronJob: 'spec.jobTemplate.spec.template.spec', Job: 'spec.template.spec', Deployment: 'spec.template.spec' }[doc.kind as string];
    if (!path) return [];
    return [{ where: `${file} (${doc.kind as string})`, spec: get(doc, path) as PodSpec }];
  });
}
const containers = () => pods().flatMap(({ where, spec }) => spec.containers.map((container) => ({ where: `${where} ${container.name}`, container, pod: spec })));

const configMap = () => one('ConfigMap');
const archiverConfig = () => parseYaml((configMap().data as Record<string, string>)['config.yaml']!) as Json;
const secretExample = () => {
  const secrets = ofKind('Secret');
  expect(secrets.map((m) => m.file)).toEqual(['secret.example.yaml']);
  return secrets[0]!.doc;
};

/** A Kubernetes quantity in base units (bytes, cores). */
function quantity(value: string | number | undefined): number {
  if (value === undefined) return NaN;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!match) return NaN;
  const factor = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

describe('the Kubernetes manifests', () => {
  it('parse, and each names its apiVersion, kind and name (kustomize builds nothing with only a generateName)', () => {
    expect(MANIFESTS.length).toBeGreaterThan(0);
    for (const { file, doc } of [...MANIFESTS, ...KUSTOMIZATIONS]) {
      expect(doc.apiVersion, file).toEqual(expect.any(String));
      expect(doc.kind, file).toEqual(expect.any(String));
      if (!isKustomization({ file, doc })) expect(get(doc, 'metadata.name'), file).toEqual(expect.any(String));
    }
  });

  it('run one archive pass a night from a CronJob that never overlaps itself and cleans up after itself', () => {
    const cronJob = one('CronJob');
    const spec = cronJob.spec as Json;
    expect(spec.schedule).toMatch(/^\S+( \S+){4}$/);
    expect(spec.timeZone).toBe('UTC');
    expect(spec.concurrencyPolicy).toBe('Forbid');
    expect(spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
    expect(spec.failedJobsHistoryLimit).toBeGreaterThan(0);
    const job = get(spec, 'jobTemplate.spec') as Json;
    expect(job.backoffLimit).toBeGreaterThanOrEqual(0);
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.activeDeadlineSeconds, 'a stuck pass ends before the next night').toBeLessThan(24 * 3600);
    expect(job.ttlSecondsAfterFinished).toBeGreaterThan(0);
    const pod = get(job, 'template.spec') as PodSpec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers.map((c) => c.args)).toEqual([['archive']]);
  });

  it('run the CronJob on the ConfigMap’s schedule.cron and schedule.timezone, which also decide the open day', () => {
    const spec = one('CronJob').spec as Json;
    const schedule = archiverConfig().schedule as Json;
    expect(spec.schedule).toBe(schedule.cron);
    expect(spec.timeZone).toBe(schedule.timezone);
  });

  it('fail a Job without retrying when the archiver exits 2 (a configuration error)', () => {
    for (const { file, doc } of MANIFESTS.filter((m) => m.doc.kind === 'CronJob' || m.doc.kind === 'Job')) {
      const job = (doc.kind === 'CronJob' ? get(doc, 'spec.jobTemplate.spec') : doc.spec) as Json;
      const rules = (get(job, 'podFailurePolicy.rules') ?? []) as Array<{ action: string; onExitCodes?: { containerName?: string; operator: string; values: number[] } }>;
      const failJob = rules.find((rule) => rule.action === 'FailJob' && rule.onExitCodes?.operator === 'In' && rule.onExitCodes.values.includes(2));
      expect(failJob, `${file}: a FailJob rule for exit code 2`).toBeDefined();
      // A stopped pass (SIGTERM 143, SIGINT 130) is retried without counting as a failure.
      const stopped = rules.find((rule) => rule.action === 'Ignore' && rule.onExitCodes?.operator === 'In' && [143, 130].every((code) => rule.onExitCodes!.values.includes(code)));
      expect(stopped, `${file}: an Ignore rule for exit codes 143 and 130`).toBeDefined();
      expect(stopped!.onExitCodes!.containerName).toBe(failJob!.onExitCodes!.containerName);
      const names = (get(job, 'template.spec.containers') as Container[]).map((c) => c.name);
      expect(names, file).toContain(failJob!.onExitCodes!.containerName);
    }
  });

  it('run the scheduler as one replica that is replaced, never doubled, with probes on /healthz and /readyz at port metrics', () => {
    const deployment = one('Deployment');
    expect(get(deployment, 'spec.replicas')).toBe(1);
    expect(get(deployment, 'spec.strategy.type')).toBe('Recreate');
    const pod = get(deployment, 'spec.template.spec') as PodSpec;
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    const [container] = pod.containers;
    expect(container!.args).toEqual(['schedule']);
    expect(container!.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: 9464 })]);
    expect(get(container, 'livenessProbe.httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    expect(get(container, 'readinessProbe.httpGet')).toEqual({ path: '/readyz', port: 'metrics' });
    expect(get(archiverConfig(), 'server.port')).toBe(9464);
    expect(get(deployment, 'spec.template.metadata.annotations')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
    const labels = get(deployment, 'spec.template.metadata.labels') as Record<string, string>;
    for (const [key, value] of Object.entries(get(deployment, 'spec.selector.matchLabels') as Record<string, string>)) expect(labels[key]).toBe(value);
  });

  it('give every pod more termination grace than shutdown.graceSeconds, so uploads in flight are aborted cleanly', () => {
    const grace = get(archiverConfig(), 'shutdown.graceSeconds') as number;
    expect(grace).toBeGreaterThan(0);
    for (const { where, spec } of pods()) expect(spec.terminationGracePeriodSeconds ?? 30, where).toBeGreaterThan(grace);
  });

  it('expose the scheduler’s metrics through a Service that selects its pods', () => {
    const service = one('Service');
    const podLabels = get(one('Deployment'), 'spec.template.metadata.labels') as Record<string, string>;
    for (const [key, value] of Object.entries(get(service, 'spec.selector') as Record<string, string>)) expect(podLabels[key]).toBe(value);
    expect(get(service, 'spec.ports')).toEqual([expect.objectContaining({ name: 'metrics', port: 9464, targetPort: 'metrics' })]);
  });

  it('run every pod as uid 1000, non-root, on a read-only root filesystem, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    expect(pods().length).toBeGreaterThanOrEqual(3);
    for (const { where, container, pod } of containers()) {
      const effective = { ...pod.securityContext, ...container.securityContext };
      expect(pod.securityContext, `${where}: pod securityContext`).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(effective, where).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(get(container.securityContext, 'capabilities.drop'), where).toEqual(['ALL']);
      expect(pod.automountServiceAccountToken, `${where}: no Kubernetes API token`).toBe(false);
      expect(pod.serviceAccountName, where).toBe(get(one('ServiceAccount'), 'metadata.name'));
    }
  });

  it('give every pod an emptyDir at /tmp, its only writable place, and the ConfigMap where ARCHIVER_CONFIG points', () => {
    const configName = get(configMap(), 'metadata.name');
    for (const { where, container, pod } of containers()) {
      const volume = (name: string) => pod.volumes?.find((v) => v.name === name);
      const mounts = container.volumeMounts ?? [];
      const tmp = mounts.find((m) => m.mountPath === '/tmp');
      expect(tmp && volume(tmp.name)?.emptyDir, `${where}: an emptyDir at /tmp`).toBeDefined();
      for (const mount of mounts.filter((m) => m !== tmp)) expect(mount.readOnly, `${where}: ${mount.mountPath} is read-only`).toBe(true);

      const configPath = container.env?.find((e) => e.name === 'ARCHIVER_CONFIG')?.value;
      expect(configPath, `${where}: ARCHIVER_CONFIG`).toBe('/etc/dcs-log-archiver/config.yaml');
      const configMount = mounts.find((m) => m.mountPath === dirname(configPath!));
      expect(configMount && volume(configMount.name)?.configMap?.name, `${where}: the ConfigMap at ${dirname(configPath!)}`).toBe(configName);
      expect(Object.keys(configMap().data as Json)).toContain(basename(configPath!));
    }
  });

  it('give every container its credentials from the Secret only, never inline', () => {
    const secretName = get(secretExample(), 'metadata.name');
    const secretKeys = Object.keys(get(secretExample(), 'stringData') as Json);
    for (const { where, container } of containers()) {
      expect(container.envFrom, where).toEqual([{ secretRef: { name: secretName } }]);
      const inline = (container.env ?? []).filter((e) => secretKeys.includes(e.name) || /SECRET|TOKEN|_SK$|_AK$|PASSWORD/.test(e.name));
      expect(inline.map((e) => e.name), where).toEqual([]);
    }
  });

  it('size every container’s memory from the README’s bound at the ConfigMap’s memory budget, with limits at least the requests', () => {
    const archive = archiverConfig().archive as { memoryMiB: number };
    // README "Memory": the part buffers' budget, plus about 130 MiB of runtime.
    const bound = (archive.memoryMiB + 130) * 2 ** 20;
    for (const { where, container } of containers()) {
      const { requests = {}, limits = {} } = container.resources ?? {};
      for (const resource of ['cpu', 'memory']) {
        expect(quantity(requests[resource]), `${where}: requests.${resource}`).toBeGreaterThan(0);
        expect(quantity(limits[resource]), `${where}: limits.${resource} >= requests.${resource}`).toBeGreaterThanOrEqual(quantity(requests[resource]));
      }
      expect(quantity(requests.memory), `${where}: requests.memory covers ${bound / 2 ** 20} MiB`).toBeGreaterThanOrEqual(bound);
    }
  });

  it('run in every container a command the CLI has, with flags that command takes', async () => {
    const commands = await cliCommands();
    const argvs = [
      ...containers().map(({ where, container }) => ({ where, container })),
      ...PATCHES.flatMap(({ file, doc }) => ((get(doc, 'spec.jobTemplate.spec.template.spec.containers') ?? []) as Container[]).map((container) => ({ where: file, container }))),
    ];
    expect(argvs.length).toBeGreaterThan(0);
    for (const { where, container } of argvs) {
      expect(container.command, `${where}: the image's ENTRYPOINT (node dist/cli.js) is kept`).toBeUndefined();
      expect(argvProblems(container.args, commands), where).toEqual([]);
    }
  });

  it('name their image only by the name image/kustomization.yaml sets (schemas.test.ts checks every build)', () => {
    for (const { where, container } of containers()) expect(container.image, where).toBe('dcs-log-archiver');
  });

  it('shard with Indexed Jobs whose completions equal sharding.count, leaving the shard to JOB_COMPLETION_INDEX', () => {
    const indexed = [
      ...PATCHES.filter((m) => m.doc.kind === 'CronJob').map(({ file, doc }) => ({ file, job: get(doc, 'spec.jobTemplate.spec') as Json })),
      ...ofKind('Job').map(({ file, doc }) => ({ file, job: doc.spec as Json })),
    ];
    expect(indexed.map((i) => i.file).sort()).toEqual(['backfill/indexed-job.yaml', 'sharded/cronjob-indexed.yaml']);
    for (const { file, job } of indexed) {
      expect(job.completionMode, file).toBe('Indexed');
      expect(job.parallelism, file).toBe(job.completions);
      const [container] = get(job, 'template.spec.containers') as Container[];
      const args = container!.args ?? [];
      expect(args[0], file).toBe('archive');
      expect(args.slice(1), `${file}: sharding.count = completions`).toEqual(['--set', `sharding.count=${job.completions as number}`]);
      expect((container!.env ?? []).map((e) => e.name), `${file}: Kubernetes sets JOB_COMPLETION_INDEX`).not.toContain('ARCHIVER_SHARD');
      expect((container!.env ?? []).map((e) => e.name), file).not.toContain('JOB_COMPLETION_INDEX');
    }
  });

  it('set in the ConfigMap every key config/default.yaml documents, so that none is left to a default unseen', () => {
    const keyPaths = (node: unknown, prefix = ''): string[] =>
      node !== null && typeof node === 'object' && !Array.isArray(node)
        ? Object.entries(node).flatMap(([key, value]) => keyPaths(value, `${prefix}${key}.`))
        : [prefix.slice(0, -1)];
    const documented = keyPaths(parseYaml(read('config/default.yaml')));
    const configured = keyPaths(archiverConfig());
    expect(documented.filter((key) => !configured.includes(key))).toEqual([]);
    expect(configured.filter((key) => !documented.includes(key) && !key.startsWith('instances'))).toEqual([]);
    expect(get(archiverConfig(), 'sharding.count'), 'the base is not sharded; the sharded component sets the count').toBeNull();
  });

  it('configure the archiver with a config.yaml its own loader accepts, sharded or not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archiver-configmap-'));
    const path = join(dir, 'config.yaml');
    try {
      await writeFile(path, (configMap().data as Record<string, string>)['config.yaml']!);
      const { config } = await loadConfig({ configPath: path, env: {}, cwd: dir });
      expect(config.archive.concurrency).toBe((archiverConfig().archive as Json).concurrency);
      const sharded = await loadConfig({ configPath: path, env: {}, cwd: dir, overrides: ['sharding.count=3'] });
      expect(get(sharded.config, 'sharding.count')).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('list every manifest in a kustomization (as a resource, a patch or a commented alternative), except the Secret example', () => {
    const dirs = new Set(ALL.map((m) => dirname(m.file)));
    for (const dir of dirs) {
      const kustomization = KUSTOMIZATIONS.find((m) => dirname(m.file) === dir);
      expect(kustomization, `${dir}/ has a kustomization.yaml`).toBeDefined();
      const text = readFileSync(join(K8S, kustomization!.file), 'utf8');
      const { doc } = kustomization!;
      const resources = ((doc.resources ?? []) as string[]).filter((r) => /\.ya?ml$/.test(r));
      const commented = [...text.matchAll(/^\s*#\s*-\s*(\S+\.ya?ml)\s*$/gm)].map((m) => m[1]!);
      const patches = ((doc.patches ?? []) as Array<{ path?: string }>).flatMap((p) => (p.path ? [p.path] : []));
      for (const listed of [...resources, ...commented, ...patches]) expect(yamlFiles(K8S), `${kustomization!.file} names ${listed}`).toContain(join(dir, listed).replace(/^\.\//, ''));
      for (const component of [...((doc.components ?? []) as string[]), ...[...text.matchAll(/^\s*#\s+-\s+([\w-]+)\s*$/gm)].map((m) => m[1]!)]) {
        expect(statSync(join(K8S, dir, component)).isDirectory(), `${kustomization!.file}: component ${component}`).toBe(true);
      }
      const files = [...new Set(ALL.map((m) => m.file))].filter((f) => dirname(f) === dir && f !== kustomization!.file).map((f) => basename(f));
      for (const file of files) {
        if (file.endsWith('.example.yaml')) expect(text, `${kustomization!.file} explains why ${file} is not listed`).toContain(file);
        else expect([...resources, ...commented, ...patches], `${kustomization!.file} lists ${file}`).toContain(file);
      }
    }
    expect(get(KUSTOMIZATIONS.find((m) => m.file === 'kustomization.yaml')?.doc, 'resources')).toContain('cronjob.yaml');
  });

  it('keep only placeholder values in the Secret example, for exactly the variables the archiver reads', () => {
    const secret = secretExample();
    expect(secret.data, 'stringData only: base64 would hide what a value is').toBeUndefined();
    const values = secret.stringData as Record<string, string>;
    const known = ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_PROJECT_ID', 'DCS_AUTH_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
    for (const name of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_PROJECT_ID']) expect(Object.keys(values)).toContain(name);
    for (const [name, value] of Object.entries(values)) {
      expect(known, name).toContain(name);
      expect(value, name).toMatch(/^REPLACE-WITH-[A-Z0-9-]+$/);
    }
    // The optional ones, commented out, are placeholders too.
    const text = readFileSync(join(K8S, 'secret.example.yaml'), 'utf8');
    for (const [, name, value] of text.matchAll(/^\s*#\s*([A-Z][A-Z0-9_]+):\s*"([^"]*)"/gm)) {
      expect(known, name).toContain(name);
      expect(value, name).toMatch(/^REPLACE-WITH-[A-Z0-9-]+$/);
    }
    expect(KUSTOMIZATIONS.flatMap(({ doc }) => (doc.resources ?? []) as string[]), 'never applied over a real Secret').not.toContain('secret.example.yaml');
  });
});
