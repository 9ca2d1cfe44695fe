/**
 * Real Redis logs for the tests: a master and a replica of Debian's redis-server on loopback
 * ports, each writing its `logfile` into a temp dir, driven through the events the archiver
 * counts (BGSAVE, BGREWRITEAOF, the replica's sync, CONFIG SET + CONFIG REWRITE, DEBUG SLEEP past
 * the watchdog's period, a maxmemory below the memory in use, a REPLICAOF switch, a sync with a
 * master that is not there, a save into a vanished directory, SHUTDOWN). Returns the captured
 * files and, for every action, the server it ran on, when it started and ended, and the event
 * kinds it must have caused. Installed by scripts/install-test-deps.sh.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisEventKind } from '../../src/redis-log/events.js';

const run = promisify(execFile);

export type RedisNode = 'master' | 'replica';

export interface RedisAction {
  name: string;
  node: RedisNode;
  /** Epoch ms just before the action was asked for, and once its outcome was seen. */
  startMs: number;
  endMs: number;
  /** What it must have caused in that node's log, within [startMs, endMs]. */
  kinds: RedisEventKind[];
}

export interface CapturedRedisLogs {
  version: string;
  /** The whole log file of each server, as it wrote it. */
  logs: Record<RedisNode, Buffer>;
  actions: RedisAction[];
  dir: string;
  remove(): Promise<void>;
}

interface Server {
  node: RedisNode;
  port: number;
  logPath: string;
  dataDir: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** A port nothing listens on right now: bound to port 0 and let go (redis-server takes no port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function cli(server: Server, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`redis-logs: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits for a line of the log containing `text` (or any of the texts). */
async function logged(server: Server, text: string | string[]): Promise<void> {
  const texts = typeof text === 'string' ? [text] : text;
  await until(`"${texts.join('" or "')}" in the ${server.node}'s log`, async () => {
    const log = await readFile(server.logPath, 'utf8');
    return texts.some((t) => log.includes(t)) ? true : undefined;
  });
}

function occurrences(log: string, text: string): number {
  return log.split(text).length - 1;
}

async function start(node: RedisNode, dir: string): Promise<Server> {
  const port = await freePort();
  const dataDir = join(dir, `${node}-data`);
  const configDir = join(dir, `${node}-config`);
  await mkdir(dataDir, { recursive: true });
  await mkdir(configDir, { recursive: true });
  const logPath = join(dir, `${node}.log`);
  const configPath = join(configDir, 'redis.conf');
  // A config file, so CONFIG REWRITE has one to rewrite; persistence off, so only asked-for saves run.
  await writeFile(
    configPath,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      'daemonize no',
      `dir ${dataDir}`,
      `logfile ${logPath}`,
      'loglevel notice',
      'save ""',
      'appendonly no',
      'enable-debug-command local',
      // A replica's full sync starts at once instead of after the 5 s diskless delay.
      'repl-diskless-sync-delay 0',
      '',
    ].join('\n'),
  );
  // Redis writes local time in its lines; UTC makes them read as the archiver reads them.
  const child = spawn('redis-server', [configPath], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '', TZ: 'UTC' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: Server = { node, port, logPath, dataDir, process: child, exited };
  await until(`${node} to answer PING`, async () => ((await cli(server, 'PING')) === 'PONG' ? true : undefined));
  return server;
}

async function act(actions: RedisAction[], name: string, node: RedisNode, kinds: RedisEventKind[], work: () => Promise<void>): Promise<void> {
  const startMs = Date.now();
  await work();
  actions.push({ name, node, startMs, endMs: Date.now(), kinds });
}

/** Runs the scenario (about 5–10 s) and returns what the two servers logged. */
export async function captureRedisLogs(): Promise<CapturedRedisLogs> {
  const dir = await mkdtemp(join(tmpdir(), 'archiver-redis-'));
  const actions: RedisAction[] = [];
  const servers: Server[] = [];
  try {
    const version = (await run('redis-server', ['--version'])).stdout.match(/v=(\S+)/)?.[1] ?? 'unknown';
    for (const node of ['master', 'replica'] as const) {
      let server: Server | undefined;
      await act(actions, 'start', node, ['startup'], async () => {
        server = await start(node, dir);
      });
      servers.push(server!);
    }
    const [master, replica] = servers as [Server, Server];

    await cli(master, 'SET', 'greeting', 'hello');
    await act(actions, 'BGSAVE', master.node, ['rdb-save-started', 'rdb-save-finished'], async () => {
      await cli(master, 'BGSAVE');
      await logged(master, 'Background saving terminated with success');
    });
    await act(actions, 'BGREWRITEAOF', master.node, ['aof-rewrite-started', 'aof-rewrite-finished'], async () => {
      await cli(master, 'BGREWRITEAOF');
      await logged(master, 'Background AOF rewrite finished successfully');
    });
    await act(actions, 'REPLICAOF master', replica.node, ['role-change', 'replica-sync-started', 'replica-sync-succeeded'], async () => {
      await cli(replica, 'REPLICAOF', '127.0.0.1', String(master.port));
      await logged(replica, 'MASTER <-> REPLICA sync: Finished with success');
    });
    await act(actions, 'CONFIG SET + CONFIG REWRITE', replica.node, ['config-rewrite'], async () => {
      await cli(replica, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await cli(replica, 'CONFIG', 'REWRITE');
      await logged(replica, 'CONFIG REWRITE executed with success');
    });
    // Redis 7 logs nothing for latency-monitor or slow-log entries; its watchdog does log a
    // main thread blocked past watchdog-period, with a stack trace.
    await act(actions, 'DEBUG SLEEP past watchdog-period', master.node, ['latency-warning'], async () => {
      await cli(master, 'CONFIG', 'SET', 'watchdog-period', '200');
      await cli(master, 'DEBUG', 'SLEEP', '1');
      await cli(master, 'CONFIG', 'SET', 'watchdog-period', '0');
      await logged(master, '--- WATCHDOG TIMER EXPIRED ---');
    });
    await act(actions, 'maxmemory below the memory in use', master.node, ['memory-warning'], async () => {
      await cli(master, 'CONFIG', 'SET', 'maxmemory', '1');
      await cli(master, 'CONFIG', 'SET', 'maxmemory', '0');
      await logged(master, 'is smaller than the current memory usage');
    });
    // The switch: the replica becomes the master, the old master its replica.
    await act(actions, 'REPLICAOF NO ONE', replica.node, ['role-change'], async () => {
      await cli(replica, 'REPLICAOF', 'NO', 'ONE');
      await logged(replica, 'MASTER MODE enabled');
    });
    await act(actions, 'REPLICAOF the old replica', master.node, ['role-change', 'replica-sync-started', 'replica-sync-succeeded'], async () => {
      await cli(master, 'REPLICAOF', '127.0.0.1', String(replica.port));
      // The new master has the old one's history as its secondary id: a partial sync is enough.
      await logged(master, ['Successful partial resynchronization with master', 'MASTER <-> REPLICA sync: Finished with success']);
    });
    const absent = await freePort();
    await act(actions, 'REPLICAOF a master that is not there', master.node, ['role-change', 'replica-sync-started', 'replica-sync-failed'], async () => {
      await cli(master, 'REPLICAOF', '127.0.0.1', String(absent));
      await logged(master, 'Error condition on socket for SYNC');
      await cli(master, 'REPLICAOF', 'NO', 'ONE');
      await logged(master, 'MASTER MODE enabled');
    });
    await act(actions, 'BGSAVE into a removed directory', replica.node, ['rdb-save-started', 'rdb-save-failed'], async () => {
      await rm(replica.dataDir, { recursive: true, force: true });
      await cli(replica, 'BGSAVE');
      await logged(replica, 'Background saving error');
    });
    for (const server of [replica, master]) {
      await act(actions, 'SHUTDOWN', server.node, ['shutdown'], async () => {
        await cli(server, 'SHUTDOWN', 'NOSAVE').catch(() => undefined); // the connection closes as it goes
        await server.exited;
      });
    }
    const logs = { master: await readFile(master.logPath), replica: await readFile(replica.logPath) };
    if (occurrences(logs.master.toString(), 'Redis is now ready to exit') !== 1) throw new Error('redis-logs: the master did not log one clean shutdown');
    return { version, logs, actions, dir, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    for (const server of servers) server.process.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    for (const server of servers) if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
  }
}
