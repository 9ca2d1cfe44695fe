/**
 * Scenario 5: what DCS hands over cannot be trusted. Hostile file names must become safe,
 * distinct keys inside the prefix; malformed listing items, absurd totals and bad links must each
 * be reported for their item while the rest of the pass goes on. Through the built CLI into a
 * directory; the link and total cases through an https front that rewrites DCS's answers, so the
 * archiver runs as in production, with dcs.allowHttp false.
 */
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeSegment } from '../../src/store/key-safety.js';
import type { DcsSimulator, SimLog } from '../../sim/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import { runCli, simEnv, type CliResult } from '../support/cli.js';
import { checkInvariants, configFor, dayBefore, Evidence, expectVerifyClean, readBucket, startSim, TEST_PROJECT_ID, writeConfig, type Target } from './harness.js';
import { selfSignedCertificate, startTlsFront, type Certificate, type TlsFront } from './tls.js';

const DAY = dayBefore(1);

/** File names no sane service would send, each of which must still be archived, safely. */
const HOSTILE_NAMES = [
  '../../../../etc/passwd',
  '/absolute/path/redis.log',
  'a%2Fb.log',
  'a/b.log',
  'a_b.log',
  '..',
  '.',
  '.hidden',
  'ctl\u0001\u001b[31mred\n\r\t.log',
  'x'.repeat(996) + '.log',
  'é'.repeat(498) + '.log',
  'résumé 日本語 🙂.log',
  'back\\slash..\\..\\win.log',
  'trailing/',
  'NUL',
];

/** Listing items that are not run-log items; each is reported, none stops the pass. */
function malformedItems(leakyLink: string): unknown[] {
  return [
    { id: 'no-file-name', group_name: 'g', replication_ip: '10.0.0.1', status: 'succeed', time: DAY },
    { id: 5, file_name: ['x'], group_name: null, replication_ip: 7, status: true, time: 20261129 },
    null,
    'just a string',
    { id: 'bad-day', file_name: 'redis.log', group_name: 'g', replication_ip: '10.0.0.1', status: 'succeed', time: '29/11/2026' },
    { id: 'empty-name', file_name: '', group_name: 'g', replication_ip: '10.0.0.1', status: 'succeed', time: DAY },
    // A broken item carrying a pre-signed link: the report quotes the item, never the link's query.
    { id: 'carries-a-link', file_name: 42, note: leakyLink, time: DAY },
  ];
}

describe('hostile input', () => {
  let sim: DcsSimulator;
  let parent: string;
  let target: Target;
  let names: SimLog[];
  let good: SimLog[];
  let run: CliResult;
  let dryRun: CliResult;
  const evidence = new Evidence();

  beforeAll(async () => {
    sim = await startSim();
    evidence.watch(sim);
    // The destination sits alone in a fresh parent directory: anything written beside it escaped.
    parent = await mkdtemp(join(tmpdir(), 'archiver-faults-hostile-'));
    const root = join(parent, 'archive');
    await mkdir(root);
    target = { kind: 'file', destination: { url: `file://${root}/` }, env: {}, store: createFileStore({ root }), secrets: [] };

    const named = sim.addInstance(TEST_PROJECT_ID, { id: 'hostile-names', name: 'names', cacheMode: 'single' }).replicas[0]!;
    names = HOSTILE_NAMES.map((fileName, i) => sim.addLog(TEST_PROJECT_ID, 'hostile-names', { replicationIp: named.ip, groupName: named.groupName, date: DAY, size: 100 + i, fileName }));
    const items = sim.addInstance(TEST_PROJECT_ID, { id: 'hostile-items', name: 'items', cacheMode: 'single' }).replicas[0]!;
    good = [0, 1, 2].map((i) => sim.addLog(TEST_PROJECT_ID, 'hostile-items', { replicationIp: items.ip, groupName: items.groupName, date: dayBefore(1 + i), size: 1000 * (i + 1) }));
    // A real link the simulator issued, so the secret scan knows its query.
    const leaky = `${sim.endpoint}/obs/${TEST_PROJECT_ID}/x/y?AWSAccessKeyId=SIMOBSKEY&Expires=1&Signature=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D`;
    sim.issuedLinks.push(leaky);
    for (const item of malformedItems(leaky)) sim.addRawItem(TEST_PROJECT_ID, 'hostile-items', item);

    const configPath = await writeConfig(configFor(sim, target, ['hostile-names', 'hostile-items']));
    dryRun = await runCli(['archive', '--dry-run', '--config', configPath], simEnv());
    evidence.cli('hostile names and items (dry run)', dryRun);
    run = await runCli(['archive', '--config', configPath], simEnv());
    evidence.cli('hostile names and items', run);
  });

  afterAll(async () => {
    await sim?.close();
    await evidence.persist('hostile-input');
  });

  it('plans a distinct, plain key inside the prefix for every hostile file name', () => {
    expect(dryRun.code, dryRun.stdout + dryRun.stderr).toBe(0);
    const keys = dryRun.lines.filter((l) => l.msg === 'would archive' && l.instance === 'hostile-names').map((l) => String(l.key));
    expect(keys).toHaveLength(HOSTILE_NAMES.length);
    expect(new Set(keys).size).toBe(HOSTILE_NAMES.length);
    for (const key of keys) {
      expect(key).toMatch(/^hostile-names\/\d{4}-\d\d-\d\d\/[A-Za-z0-9._-]+$/);
      const name = key.split('/')[2]!;
      expect(name === '.' || name === '..' || name.length > 180).toBe(false);
    }
  });

  it('archives every hostile name a URL can carry, reports the two it cannot with a reason, and writes nothing outside the prefix', async () => {
    // "." and ".." cannot be a URL path segment (every URL parser resolves them away): the
    // download asks for another path, and the file is reported failed, alone.
    const unreachable = names.filter((log) => log.fileName === '.' || log.fileName === '..');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failed = run.lines.filter((l) => l.level === 'error' && l.msg !== 'pass finished');
    expect(failed.map((l) => l.logId).sort()).toEqual(unreachable.map((log) => log.id).sort());
    for (const line of failed) expect(line).toMatchObject({ kind: 'file', reason: expect.stringMatching(/^download\./) });
    const state = await checkInvariants(target.store, sim, { expectComplete: [...names.filter((log) => !unreachable.includes(log)), ...good] });
    const keys = [...state.contents.records.values()].filter((r) => r.instanceId === 'hostile-names').map((r) => r.key);
    expect(new Set(keys).size).toBe(HOSTILE_NAMES.length - unreachable.length);
    // Segments are plain and at most 180 characters (a record's name adds ".json").
    for (const key of [...state.contents.data.keys(), ...state.contents.records.keys()]) {
      expect(key).toMatch(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/);
      expect(key.split('/').every((segment) => segment !== '.' && segment !== '..' && segment.replace(/\.json$/, '').length <= 180), key).toBe(true);
    }
    expect(await readdir(parent)).toEqual(['archive']);
    await expectVerifyClean(target.store);
  });

  it('reports each malformed listing item as skipped with its problem while the rest archives', async () => {
    const report = await runReport();
    const items = report.instances.find((i) => i.instanceId === 'hostile-items')!;
    expect(items.archived.map((a) => a.logId).sort()).toEqual(good.map((log) => log.id).sort());
    const malformed = items.skipped.filter((s) => s.reason === 'malformed');
    expect(malformed).toHaveLength(malformedItems('').length);
    for (const skip of malformed) expect(skip.detail).toMatch(/missing or not a string|not an object|not a yyyy-MM-dd day|is empty/);
    expect(JSON.stringify(malformed)).not.toContain('Signature=c2Vj');
    expect(run.lines.some((l) => /malformed item/.test(String(l.msg)))).toBe(true);
  });

  it('retries on the next pass only the files that failed', async () => {
    sim.resetRequests();
    const again = await runCli(['archive', '--config', await writeConfig(configFor(sim, target, ['hostile-names', 'hostile-items']))], simEnv());
    evidence.cli('hostile names, again', again);
    const retried = new Set(sim.requests.filter((r) => r.op === 'link' || r.op === 'download').map((r) => r.logId));
    expect([...retried].sort()).toEqual(names.filter((log) => log.fileName === '.' || log.fileName === '..').map((log) => log.id).sort());
  });

  /** Archives two files whose names could meet in one key, into a directory of their own. */
  async function archivePair(instanceId: string, fileNames: [string, string]): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'archiver-faults-collide-'));
    const collide: Target = { kind: 'file', destination: { url: `file://${dir}/` }, env: {}, store: createFileStore({ root: dir }), secrets: [] };
    const replica = sim.addInstance(TEST_PROJECT_ID, { id: instanceId, name: instanceId, cacheMode: 'single' }).replicas[0]!;
    const logs = fileNames.map((fileName, i) => sim.addLog(TEST_PROJECT_ID, instanceId, { replicationIp: replica.ip, groupName: replica.groupName, date: DAY, size: 5000 + i, fileName }));
    const result = await runCli(['archive', '--config', await writeConfig(configFor(sim, collide, [instanceId]))], simEnv());
    evidence.cli(`colliding names ${instanceId}`, result);
    expect(result.code, result.stdout).toBe(0);
    expect((await readBucket(collide.store)).data.size).toBe(2);
    await checkInvariants(collide.store, sim, { expectComplete: logs });
  }

  it('gives distinct keys to two names when one is the sanitised form of the other (was BUG 6)', async () => {
    // "../x" is reduced to "x-<16 hex digits>"; a file literally named so must not take its key and record.
    await archivePair('hostile-collide', ['../x', safeSegment('../x')]);
  });

  it('gives distinct keys to two names when one is the bare hash another is reduced to (was BUG 8)', async () => {
    // A name with no plain character at all is reduced to its hash alone, 16 hex digits with no
    // "-" before them, which the check for reduced-looking names (/-[0-9a-f]{16}$/) does not see.
    expect(safeSegment('日本')).toMatch(/^[0-9a-f]{16}$/);
    await archivePair('hostile-bare-hash', ['日本', safeSegment('日本')]);
  });

  it('gives distinct keys to names that differ only in a lone surrogate (was BUG 7)', async () => {
    const replica = sim.addInstance(TEST_PROJECT_ID, { id: 'hostile-surrogates', name: 'surrogates', cacheMode: 'single' }).replicas[0]!;
    for (const fileName of ['\uD800.log', '\uDBFF.log', '\uFFFD.log']) sim.addLog(TEST_PROJECT_ID, 'hostile-surrogates', { replicationIp: replica.ip, groupName: replica.groupName, date: DAY, size: 10, fileName });
    // A dry run shows the keys without downloading (the simulator cannot sign a link to such a name).
    const result = await runCli(['archive', '--dry-run', '--config', await writeConfig(configFor(sim, target, ['hostile-surrogates']))], simEnv());
    evidence.cli('lone surrogates (dry run)', result);
    const keys = result.lines.filter((l) => l.msg === 'would archive').map((l) => String(l.key));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });

  async function runReport() {
    const state = await readBucket(target.store);
    const reports = await Promise.all(state.reports.map(async (key) => JSON.parse((await target.store.get(key))!.body.toString('utf8')) as import('../../src/records/run-report.js').RunReport));
    return reports.sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0]!;
  }

  describe('through https, as in production (dcs.allowHttp false)', () => {
    /** Object storage as links name it; the CLI resolves it to the https front (fake-dns.mjs). */
    const OBJECTS_HOST = 'objects.example.test';
    /** Where each file's link is made to point, by the https front. */
    const LINKS: Record<string, (url: URL, front: URL) => string> = {
      fine: (url, front) => `https://${OBJECTS_HOST}:${front.port}${url.pathname}${url.search}`,
      'not-a-url': () => 'not a url at all',
      'plain-http': (url) => url.toString(),
      'file-scheme': () => 'file:///etc/passwd',
      loopback: (url, front) => `https://127.0.0.1:${front.port}${url.pathname}${url.search}`,
      localhost: (url, front) => `https://localhost:${front.port}${url.pathname}${url.search}`,
      'ipv6-loopback': (url, front) => `https://[::1]:${front.port}${url.pathname}${url.search}`,
      'mapped-ipv4': (url, front) => `https://[::ffff:127.0.0.1]:${front.port}${url.pathname}${url.search}`,
      'metadata-service': (url) => `https://169.254.169.254${url.pathname}${url.search}`,
      'private-network': (url) => `https://10.1.2.3${url.pathname}${url.search}`,
    };
    const REFUSED_AS_LINK = ['not-a-url', 'plain-http', 'file-scheme'];
    const REFUSED_AS_PRIVATE = ['loopback', 'localhost', 'ipv6-loopback', 'mapped-ipv4', 'metadata-service', 'private-network'];

    let certificate: Certificate | { unavailable: string };
    let front: TlsFront | undefined;
    let links: SimLog[];
    let listed: SimLog[];
    let tls: CliResult;
    let tlsTarget: Target;
    const listings: string[] = [];

    beforeAll(async () => {
      certificate = await selfSignedCertificate([OBJECTS_HOST]);
      if ('unavailable' in certificate) return;
      const linkReplica = sim.addInstance(TEST_PROJECT_ID, { id: 'hostile-links', name: 'links', cacheMode: 'single' }).replicas[0]!;
      links = Object.keys(LINKS).map((tag, i) => sim.addLog(TEST_PROJECT_ID, 'hostile-links', { replicationIp: linkReplica.ip, groupName: linkReplica.groupName, date: DAY, size: 2000 + i, fileName: `redis_${tag}.log` }));
      const totalReplica = sim.addInstance(TEST_PROJECT_ID, { id: 'hostile-total', name: 'total', cacheMode: 'single' }).replicas[0]!;
      listed = [0, 1].map((i) => sim.addLog(TEST_PROJECT_ID, 'hostile-total', { replicationIp: totalReplica.ip, groupName: totalReplica.groupName, date: dayBefore(1 + i), size: 3000 + i }));
      const tagOf = new Map(links.map((log) => [log.id, log.fileName.slice('redis_'.length, -'.log'.length)]));
      front = await startTlsFront(sim.endpoint, certificate, {
        link: (link, logId, origin) => (LINKS[tagOf.get(logId) ?? 'fine'] ?? LINKS.fine!)(new URL(link), new URL(origin)),
        listing: (body, instanceId) => {
          listings.push(instanceId);
          return instanceId === 'hostile-total' ? { ...body, total_num: 1e15 } : body;
        },
      });
      const dir = await mkdtemp(join(tmpdir(), 'archiver-faults-tls-dest-'));
      tlsTarget = { kind: 'file', destination: { url: `file://${dir}/` }, env: {}, store: createFileStore({ root: dir }), secrets: [] };
      const config = configFor(sim, tlsTarget, ['hostile-links', 'hostile-total'], { dcs: { endpoint: front.endpoint, allowHttp: false } });
      tls = await runCli(
        ['archive', '--config', await writeConfig(config)],
        simEnv({ NODE_EXTRA_CA_CERTS: certificate.certPath, NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, 'fake-dns.mjs')).href}`, ARCHIVER_TEST_FAKE_HOSTS: OBJECTS_HOST }),
      );
      evidence.cli('https front', tls);
    });

    afterAll(async () => {
      await front?.close();
    });

    const failedLine = (tag: string) => tls.lines.find((l) => l.level === 'error' && l.file === `redis_${tag}.log`);

    it('refuses a link that is not a URL, a plain-http link and a file: link, each reported for its file, and archives the rest', async (context) => {
      if ('unavailable' in certificate) return context.skip(certificate.unavailable);
      expect(tls.code, tls.stdout + tls.stderr).toBe(1);
      for (const tag of REFUSED_AS_LINK) expect(failedLine(tag), tag).toMatchObject({ kind: 'file', reason: 'dcs.bad-link' });
      expect(String(failedLine('plain-http')!.msg)).toContain('dcs.allowHttp');
      const state = await checkInvariants(tlsTarget.store, sim);
      const archived = new Set([...state.contents.records.values()].map((r) => r.logId));
      expect(archived.has(links.find((log) => log.fileName === 'redis_fine.log')!.id)).toBe(true);
      for (const log of listed) expect(archived.has(log.id)).toBe(true);
      expect(archived.size).toBe(1 + listed.length);
      await expectVerifyClean(tlsTarget.store);
    });

    it('refuses links to loopback, link-local (the metadata service) and private addresses, each reported for its file', (context) => {
      if ('unavailable' in certificate) return context.skip(certificate.unavailable);
      for (const tag of REFUSED_AS_PRIVATE) expect(failedLine(tag), tag).toMatchObject({ kind: 'file', reason: 'download.private-link' });
    });

    it('pages a listing that claims 10^15 items a bounded number of times, says so, and archives what it lists', (context) => {
      if ('unavailable' in certificate) return context.skip(certificate.unavailable);
      expect(listings.filter((id) => id === 'hostile-total').length).toBeLessThanOrEqual(3);
      expect(tls.lines.some((l) => l.level === 'warn' && l.instance === 'hostile-total' && /reported 1000000000000000 items/.test(String(l.msg)))).toBe(true);
    });
  });

  it('leaves no credential or link query in any output, report, record or manifest of these runs', async () => {
    await evidence.bucket('hostile', target.store);
    expect(evidence.leaks()).toEqual([]);
  });
});
