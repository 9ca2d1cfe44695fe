/**
 * A single-node OpenStack Swift with its s3api middleware, started from the Debian packages in a
 * temporary directory: the real S3-compatible server the store tests and benchmarks run against
 * (the npm fakes ignore multipart aborts and corrupt streamed bodies).
 *
 * Plain Node on purpose (no vitest imports) so benchmarks and scripts can start one too.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SwiftServer {
  /** `http://127.0.0.1:PORT`, path-style. */
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: 'test:tester';
  secretAccessKey: string;
  stop(): Promise<void>;
}

export interface StartSwiftOptions {
  /** Where rings, configs and data go; a fresh temp dir (removed on stop) when omitted. */
  dir?: string;
  /** Receives every line the servers print (they log to the console only when this is set). */
  log?: (line: string) => void;
  /** How long to wait for every server to answer its healthcheck. */
  readyTimeoutMs?: number;
}

/** Which Debian package brings each program, so a missing one can be named. */
const PROGRAMS = {
  'swift-account-server': 'swift-account',
  'swift-container-server': 'swift-container',
  'swift-object-server': 'swift-object',
  'swift-proxy-server': 'swift-proxy',
} as const;
type Program = keyof typeof PROGRAMS;

const RINGS = ['account', 'container', 'object'] as const;
type RingName = (typeof RINGS)[number];

/**
 * Runs a Swift server script under its own Python with PR_SET_PDEATHSIG, so the kernel ends it
 * even when this Node process dies without running its exit handlers (SIGKILL, a crash).
 * Swift calls setsid(), so it would otherwise outlive us and keep its port.
 */
const PARENT_DEATH_BOOT = [
  'import ctypes, os, runpy, signal, sys',
  'ctypes.CDLL(None).prctl(1, signal.SIGTERM)',
  'if os.getppid() != int(sys.argv[1]): sys.exit(1)',
  'sys.argv = sys.argv[2:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
].join('\n');

export async function startSwift(options: StartSwiftOptions = {}): Promise<SwiftServer> {
  const started = Date.now();
  const binaries = await findPrograms();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'swift-')));
  const secretAccessKey = randomBytes(18).toString('base64url');
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(children.map((child) => stopChild(child)));
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const [proxyPort, accountPort, containerPort, objectPort] = await freePorts(4);
    const ports: Record<RingName, number> = { account: accountPort!, container: containerPort!, object: objectPort! };
    await mkdir(join(dir, 'node', 'd1'), { recursive: true });
    await mkdir(join(dir, 'cache'), { recursive: true });
    await writeConfigs(dir, proxyPort!, ports, secretAccessKey);
    const python = await interpreterOf(binaries['swift-proxy-server']);

    const exits: Promise<never>[] = [];
    const launch = (program: Program, conf: string) => {
      const args = ['-c', PARENT_DEATH_BOOT, String(process.pid), binaries[program], join(dir, conf)];
      if (options.log) args.push('-v');
      const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const tail = captureOutput(child, program, options.log);
      const exit = new Promise<never>((_, reject) => {
        child.once('exit', (code, signal) =>
          reject(new Error(`${program} exited (${signal ?? `code ${code}`}) while starting:\n${tail().join('\n')}`)),
        );
        child.once('error', (error) => reject(new Error(`${program} could not be started: ${error.message}`)));
      });
      // Also observed after start-up, when an exit is stop()'s business, not an unhandled rejection.
      exit.catch(() => undefined);
      exits.push(exit);
    };
    const failed = () => Promise.race(exits);

    // Only the proxy reads the rings, so the storage servers start while they are built.
    launch('swift-account-server', 'account-server.conf');
    launch('swift-container-server', 'container-server.conf');
    launch('swift-object-server', 'object-server.conf');
    await Promise.race([buildRings(python, dir, ports), failed()]);
    launch('swift-proxy-server', 'proxy-server.conf');

    const deadline = started + (options.readyTimeoutMs ?? 60_000);
    const health = [waitHealthy('swift-proxy-server', proxyPort!, deadline)];
    for (const ring of RINGS) health.push(waitHealthy(`swift-${ring}-server`, ports[ring], deadline));
    await Promise.race([Promise.all(health), failed()]);

    options.log?.(`swift ready on 127.0.0.1:${proxyPort} in ${Date.now() - started} ms (dir ${dir})`);
    return {
      endpoint: `http://127.0.0.1:${proxyPort}`,
      region: 'us-east-1',
      accessKeyId: 'test:tester',
      secretAccessKey,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function findPrograms(): Promise<Record<Program, string>> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'].filter(Boolean);
  const found: Partial<Record<Program, string>> = {};
  const missing: string[] = [];
  for (const program of Object.keys(PROGRAMS) as Program[]) {
    for (const dir of dirs) {
      const candidate = join(dir, program);
      if (await access(candidate, fsConstants.X_OK).then(() => true, () => false)) {
        found[program] = candidate;
        break;
      }
    }
    if (!found[program]) missing.push(`${program} (Debian package ${PROGRAMS[program]})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `OpenStack Swift is not installed: missing ${missing.join(', ')}. ` +
        'Run scripts/install-test-deps.sh, or point the tests at another S3-compatible server with S3_TEST_ENDPOINT.',
    );
  }
  return found as Record<Program, string>;
}

/** Swift's scripts name their interpreter in the shebang; the one on PATH may lack the swift module. */
async function interpreterOf(script: string): Promise<string> {
  const handle = await open(script, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    const match = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!match?.[1]) throw new Error(`${script} has no #! line naming its Python`);
    // `#!/usr/bin/env python3` names the program in the second word.
    return match[1].endsWith('/env') && match[2] ? match[2] : match[1];
  } finally {
    await handle.close();
  }
}

/** Distinct free ports: all listeners stay open until every port is known. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * One ring per server kind, each a single device on that server's port. Built with Swift's own
 * RingBuilder in one Python process: nine `swift-ring-builder` runs cost about 5 s of CPU
 * (Python start-up), which on a two-core CI machine is most of the start time.
 */
async function buildRings(python: string, dir: string, ports: Record<RingName, number>): Promise<void> {
  const script = [
    'import sys',
    'from swift.common.ring import RingBuilder',
    'for name, port in zip(sys.argv[2::2], sys.argv[3::2]):',
    '    builder = RingBuilder(10, 1, 1)',
    "    builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 100})",
    '    builder.rebalance()',
    "    builder.get_ring().save(f'{sys.argv[1]}/{name}.ring.gz')",
  ].join('\n');
  const args = ['-c', script, dir, ...RINGS.flatMap((ring) => [ring, String(ports[ring])])];
  try {
    await execFileAsync(python, args);
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`building the Swift rings failed: ${output.trim()}`);
  }
}

async function writeConfigs(dir: string, proxyPort: number, ports: Record<RingName, number>, secret: string): Promise<void> {
  // Swift drops privileges to `user`; naming ourselves makes that a no-op as root and as anyone else.
  const user = userInfo().username;
  const common = (port: number) =>
    [
      '[DEFAULT]',
      'bind_ip = 127.0.0.1',
      `bind_port = ${port}`,
      'workers = 0',
      `user = ${user}`,
      `swift_dir = ${dir}`,
      `devices = ${join(dir, 'node')}`,
      'mount_check = false',
      'disable_fallocate = true',
      `recon_cache_path = ${join(dir, 'cache')}`,
      'log_level = INFO',
    ].join('\n');
  const backend = (kind: RingName) =>
    `${common(ports[kind])}

[pipeline:main]
pipeline = healthcheck ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}

[filter:healthcheck]
use = egg:swift#healthcheck

[${kind}-replicator]

[${kind}-auditor]

[${kind}-updater]
`;
  const proxy = `${common(proxyPort)}

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
max_upload_part_num = 10000

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${secret} .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:dlo]
use = egg:swift#dlo
`;
  // Fixed, so a `dir` kept between starts still finds its objects; nothing here needs it secret.
  const swiftConf = `[swift-hash]
swift_hash_path_prefix = dcs-log-archiver-test
swift_hash_path_suffix = dcs-log-archiver-test

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
`;
  await Promise.all([
    writeFile(join(dir, 'swift.conf'), swiftConf),
    writeFile(join(dir, 'proxy-server.conf'), proxy),
    ...RINGS.map((kind) => writeFile(join(dir, `${kind}-server.conf`), backend(kind))),
  ]);
}

/** Forwards output line by line and keeps the last lines for a start-up failure message. */
function captureOutput(child: ChildProcess, program: string, log?: (line: string) => void): () => string[] {
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log?.(`${program}: ${line}`);
      }
    });
  }
  return () => tail;
}

async function waitHealthy(program: string, port: number, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthcheck`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${program} did not answer /healthcheck on port ${port} in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
