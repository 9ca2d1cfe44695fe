/**
 * Scenario 2: the bucket, not DCS, is what fails. Through the built CLI against the suite's Swift
 * (nothing shared is stopped: an unreachable bucket is a closed port, a flaky one a TCP proxy).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcsSimulator, SimLog } from '../../sim/index.js';
import { runCli, simEnv, type CliResult } from '../support/cli.js';
import { s3Target } from '../support/s3-target.js';
import { addInstanceWithLogs, checkInvariants, configFor, dirTarget, Evidence, expectVerifyClean, MiB, readBucket, startSim, swiftTarget, writeConfig, type Target } from './harness.js';
import { closedPort, startSilentServer, startTcpProxy } from './tcp-proxy.js';

const evidence = new Evidence();

describe('the bucket fails', () => {
  let sim: DcsSimulator;
  let logs: SimLog[];

  const archive = async (label: string, config: Record<string, unknown>, env: Record<string, string>): Promise<CliResult> => {
    const result = await runCli(['archive', '--config', await writeConfig(config)], simEnv(env));
    evidence.cli(label, result);
    return result;
  };
  /** What the error lines say: their message, and the `pass finished` line's error. */
  const errorLines = (result: CliResult) => result.lines.filter((line) => line.level === 'error').map((line) => [line.msg, line.error].filter(Boolean).join(': '));
  const transfers = () => sim.requests.filter((r) => r.op === 'link' || r.op === 'download');

  beforeAll(async () => {
    sim = await startSim();
    evidence.watch(sim);
    logs = addInstanceWithLogs(sim, 'bucket-a', [0, 2_000, 12 * MiB]);
    evidence.secret(s3Target().secretAccessKey);
  });

  afterAll(async () => {
    await sim.close();
    await evidence.persist('bucket-faults');
  });

  async function unreachable(): Promise<{ result: CliResult; port: number }> {
    const target = swiftTarget('unreachable');
    const port = await closedPort();
    sim.resetRequests();
    const result = await archive('unreachable', configFor(sim, { ...target, destination: { ...target.destination, endpoint: `http://127.0.0.1:${port}` } }, ['bucket-a']), target.env);
    expect(transfers()).toEqual([]);
    expect(await readBucket(target.store)).toMatchObject({ records: new Map(), data: new Map(), reports: [] });
    return { result, port };
  }

  it('stops with exit 1 and names the endpoint when the bucket is unreachable, downloading nothing', async () => {
    const { result, port } = await unreachable();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout + result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stdout + result.stderr).toContain('ECONNREFUSED');
  });

  it('reports an unreachable bucket as a failed pass with its reason, not as an unexpected failure (was BUG 4)', async () => {
    const { result, port } = await unreachable();
    expect(result.stderr).not.toContain('unexpected failure');
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: expect.stringMatching(/^store\./), error: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('stops with exit 1 within 20 s and names the endpoint when the bucket accepts connections and never answers (timeouts of 2 s)', async () => {
    const target = swiftTarget('silent');
    const silent = await startSilentServer();
    try {
      sim.resetRequests();
      const destination = { ...target.destination, endpoint: silent.endpoint, timeouts: { connectSeconds: 2, requestSeconds: 2 } };
      const started = Date.now();
      const result = await archive('silent bucket', configFor(sim, { ...target, destination }, ['bucket-a']), target.env);
      const took = Date.now() - started;
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(took).toBeLessThan(20_000);
      expect(silent.accepted).toBeGreaterThan(0);
      // Said when the wait starts, naming what it waits for (no credential in it).
      expect(result.lines[0]).toMatchObject({ msg: expect.stringContaining(`waiting for the destination s3://`), location: expect.stringContaining(silent.endpoint), deadlineSeconds: 4 });
      expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.timeout', error: expect.stringContaining(silent.endpoint) });
      expect(errorLines(result).join('\n')).toContain('no answer within 4 s');
      expect(result.stderr).not.toContain('unexpected failure');
      expect(transfers()).toEqual([]);
    } finally {
      await silent.close();
    }
  }, 30_000);

  it('says again about every 10 s that it still waits for a bucket that never answers (timeouts of 6 s)', async () => {
    const target = swiftTarget('silent-long');
    const silent = await startSilentServer();
    try {
      const destination = { ...target.destination, endpoint: silent.endpoint, timeouts: { connectSeconds: 6, requestSeconds: 6 } };
      const result = await archive('silent bucket, long', configFor(sim, { ...target, destination }, ['bucket-a']), target.env);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const waits = result.lines.filter((line) => line.msg === 'still waiting');
      expect(waits).toEqual([expect.objectContaining({ level: 'info', wait: 'destination', location: expect.stringContaining(silent.endpoint), deadlineMs: 12_000, seconds: expect.any(Number) })]);
      expect(waits[0]!.seconds).toBeGreaterThanOrEqual(10);
      expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.timeout' });
    } finally {
      await silent.close();
    }
  }, 40_000);

  it.each([
    ['a wrong secret key', { AWS_SECRET_ACCESS_KEY: `wrong-${randomBytes(8).toString('hex')}` }, /AWS_SECRET_ACCESS_KEY/],
    // Swift answers an unknown key id with SignatureDoesNotMatch, like a wrong secret.
    ['an unknown access key id', { AWS_ACCESS_KEY_ID: `nobody-${randomBytes(4).toString('hex')}` }, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/],
  ])('stops with exit 1 on %s, says which variable to check, and writes nothing', async (label, wrong, hint) => {
    const target = swiftTarget('wrong-credentials');
    evidence.secret(...Object.values(wrong));
    sim.resetRequests();
    const result = await archive(label, configFor(sim, target, ['bucket-a']), { ...target.env, ...wrong });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.bad-credentials' });
    expect(errorLines(result).join('\n')).toMatch(hint);
    expect(result.stdout + result.stderr).not.toContain(Object.values(wrong)[0]);
    expect(transfers()).toEqual([]);
    const contents = await readBucket(target.store);
    expect([...contents.data.keys(), ...contents.records.keys(), ...contents.manifests, ...contents.reports]).toEqual([]);
  });

  it('stops with exit 1 on a missing bucket, saying to create it', async () => {
    const target = swiftTarget('missing-bucket');
    const bucket = `no-such-bucket-${randomBytes(4).toString('hex')}`;
    sim.resetRequests();
    const result = await archive('missing bucket', configFor(sim, { ...target, destination: { ...target.destination, url: `s3://${bucket}/archive/` } }, ['bucket-a']), target.env);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.no-such-bucket' });
    expect(errorLines(result).join('\n')).toMatch(new RegExp(`Create bucket ${bucket}`));
    expect(transfers()).toEqual([]);
  });

  it('stops with exit 1 when the destination directory does not exist, creating nothing', async () => {
    const dir = await dirTarget('missing-dir');
    const missing = `${String(dir.destination.url)}not/there/`;
    sim.resetRequests();
    const result = await archive('missing directory', configFor(sim, { ...dir, destination: { url: missing } }, ['bucket-a']), {});
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.enoent' });
    expect(errorLines(result).join('\n')).toContain('does not exist');
    expect(transfers()).toEqual([]);
    expect(await readBucket(dir.store)).toMatchObject({ records: new Map(), data: new Map(), reports: [] });
  });

  it('survives the bucket resetting its connections in the middle of a multipart upload, leaving no upload behind', async () => {
    const target: Target = swiftTarget('connection-reset');
    const proxy = await startTcpProxy(s3Target().endpoint);
    try {
      const config = configFor(sim, { ...target, destination: { ...target.destination, endpoint: proxy.endpoint } }, ['bucket-a']);
      const cut = proxy.cutAfter(7 * MiB);
      const first = await archive('connection reset', config, target.env);
      await cut;
      // The SDK retries the part on a new connection, or the file fails with a reason and its upload is aborted.
      if (first.code !== 0) {
        expect(first.code, first.stdout).toBe(1);
        expect(first.lines.filter((l) => l.level === 'error' && l.msg !== 'pass finished')).toEqual([expect.objectContaining({ logId: logs[2]!.id, reason: expect.stringMatching(/^store\./) })]);
      }
      await checkInvariants(target.store, sim);
      await expectVerifyClean(target.store);

      const healed = await archive('connection reset (next pass)', config, target.env);
      expect(healed.code, healed.stdout).toBe(0);
      await checkInvariants(target.store, sim, { expectComplete: logs });
      await expectVerifyClean(target.store);
      await evidence.bucket('connection reset', target.store);
    } finally {
      await proxy.close();
      await target.store.close();
    }
  });

  it('leaves no credential or link query in any output, report, record or manifest of these runs', () => {
    expect(evidence.count).toBeGreaterThan(5);
    expect(evidence.leaks()).toEqual([]);
  });
});
