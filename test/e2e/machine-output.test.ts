import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, simEnv } from '../support/cli.js';
import { TEST_PROJECT_ID } from '../support/secrets.js';

/** A loopback port that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** A loopback port nothing listens on: every connection is refused. */
async function refusedPort(): Promise<number> {
  const { server, port } = await silentServer();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `--json` is for machines (alerting scripts): whatever happens on the way, retries included,
 * stdout carries the document alone and every log line goes to stderr.
 */
describe('machine output', () => {
  let dir: string;
  let silent: Awaited<ReturnType<typeof silentServer>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archiver-json-'));
    silent = await silentServer();
  });

  afterAll(async () => {
    for (const socket of silent.sockets) socket.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function config(name: string, dcs: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const path = join(dir, `${name}.yaml`);
    await writeFile(
      path,
      JSON.stringify({
        dcs: { projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, ...dcs },
        instances: [{ id: 'a1b2c3', name: 'orders-cache' }, 'd4e5f6'],
        destination: { url: `file://${dir}/` },
        ...extra,
      }),
    );
    return path;
  }

  function expectOneDocument(stdout: string): { atRisk: number; instances: Array<{ id: string; name?: string; error?: string }> } {
    expect(stdout.endsWith('}\n')).toBe(true);
    return JSON.parse(stdout) as { atRisk: number; instances: Array<{ id: string; name?: string; error?: string }> };
  }

  it('coverage --json with DCS refusing connections: one document on stdout, the retries on stderr', async () => {
    const path = await config('refused', { endpoint: `http://127.0.0.1:${await refusedPort()}` });
    for (const format of ['json', 'pretty']) {
      const result = await runCli(['coverage', '--json', '--config', path], simEnv({ LOG_FORMAT: format }));
      expect(result.code).toBe(1);
      const document = expectOneDocument(result.stdout);
      expect(document.instances.map((i) => [i.id, i.name, typeof i.error])).toEqual([
        ['a1b2c3', 'orders-cache', 'string'],
        ['d4e5f6', undefined, 'string'],
      ]);
      // Each instance's calls were retried (attempts 3: two retries each), and said so on stderr.
      expect(result.stderr.match(/retrying/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    }
  });

  it('coverage --json with DCS accepting connections and never answering: one document after the timeouts', async () => {
    const path = await config('silent', { endpoint: `http://127.0.0.1:${silent.port}`, timeouts: { connectSeconds: 1, headersSeconds: 1, bodySeconds: 1 }, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const result = await runCli(['coverage', '--json', '--config', path], simEnv());
    expect(result.code).toBe(1);
    expect(expectOneDocument(result.stdout).instances.every((i) => typeof i.error === 'string')).toBe(true);
    const logged = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(logged.some((line) => line.msg === 'retrying')).toBe(true);
  });

  it('coverage --json with discovery failing, and with a bad configuration: stdout holds the document or nothing', async () => {
    const discovering = await config('discover', { endpoint: `http://127.0.0.1:${await refusedPort()}` }, { instances: [], discover: { enabled: true } });
    const failed = await runCli(['coverage', '--json', '--config', discovering], simEnv());
    expect(failed.code).toBe(1);
    expect(expectOneDocument(failed.stdout).instances).toEqual([]);
    expect(failed.stderr).toContain('instance discovery failed');

    const bad = await runCli(['coverage', '--json', '--config', discovering, '--set', 'archive.concurrency=eight'], simEnv());
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('archive.concurrency');
  });
});
