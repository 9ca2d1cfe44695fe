import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { CLI } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const run = promisify(execFile);
const ORDERS = '5c597ce5-9823-48aa-bf4d-2defb9385b4a';
const SESSIONS = '7d1e0f3a-1111-4222-8333-944455556666';
/** A log line as pino-pretty draws it: time, then level. */
const LOG_LINE = /^\[\d\d:\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;
const STATUS_LINE = /^\d+\/\d+ files, .* in flight/;

/**
 * The built CLI on a real terminal: a tmux pane (a pseudo-terminal, with tmux's own screen
 * emulation), read back as a person sees it, screen and scrollback. tmux runs on its own socket
 * with no user configuration, so nothing of the machine's sessions is touched.
 */
class Pane {
  readonly captures: string[][] = [];
  private constructor(private readonly socket: string) {}

  static async start(dir: string, command: string, env: Record<string, string>): Promise<Pane> {
    const pane = new Pane(join(dir, 'tmux.sock'));
    await pane.tmux(['new-session', '-d', '-x', '150', '-y', '50', command], env);
    return pane;
  }

  private async tmux(args: string[], env: Record<string, string> = { PATH: process.env.PATH ?? '' }): Promise<string> {
    try {
      return (await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { env })).stdout;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('tmux is not installed: run scripts/install-test-deps.sh (it installs the Debian package tmux)');
      throw error;
    }
  }

  /** Screen and scrollback, wrapped lines joined, trailing blank lines dropped. */
  async capture(): Promise<string[]> {
    const lines = (await this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-E', '-'])).split('\n');
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    this.captures.push(lines);
    return lines;
  }

  async waitFor(predicate: (lines: string[]) => boolean, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = await this.capture();
      if (predicate(lines)) return lines;
      if (Date.now() > deadline) throw new Error(`timed out; the pane shows:\n${lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', '0', ...keys]);
  }

  async close(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
    // Kept for the suite's leak scan, like every CLI output.
    const outputDir = process.env.ARCHIVER_TEST_OUTPUT_DIR;
    if (outputDir) {
      await mkdir(outputDir, { recursive: true });
      await appendFile(join(outputDir, 'terminal-panes.log'), this.captures.map((c) => c.join('\n')).join('\n\n'));
    }
  }
}

describe('the terminal, as a person sees it', () => {
  let sim: DcsSimulator;
  let slowFile: string;
  let dir: string;
  let pane: Pane | undefined;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (const [id, name] of [
      [ORDERS, 'orders-cache'],
      [SESSIONS, 'sessions'],
    ] as const) {
      const replica = sim.addInstance(TEST_PROJECT_ID, { id, name, cacheMode: 'single' }).replicas[0]!;
      for (let back = 6; back >= 1; back--) {
        const slow = id === ORDERS && back === 6;
        const log = sim.addLog(TEST_PROJECT_ID, id, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(back), size: slow ? 640 * 1024 : 30_000 + back });
        if (slow) slowFile = log.fileName;
      }
    }
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archiver-terminal-'));
    const slow = sim.logs(TEST_PROJECT_ID, ORDERS).find((log) => log.fileName === slowFile)!;
    // 640 KiB in 64 KiB chunks, 700 ms apart: about 8 s, while the other files come and go.
    sim.injectFault({ op: 'download', kind: 'slow', delayMs: 700, logId: slow.id, times: 1 });
    await writeFile(
      join(dir, 'config.yaml'),
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        // The names are configured: the terminal shows them, never the ids.
        instances: [{ id: ORDERS, name: 'orders-cache' }, { id: SESSIONS, name: 'sessions' }],
        collect: { enabled: false },
        archive: { concurrency: 2 },
        destination: { url: `file://${dir}/archive/` },
        server: { port: null },
        schedule: { cron: '0 0 1 1 *' },
      }),
    );
  });

  afterEach(async () => {
    await pane?.close();
    pane = undefined;
    sim.clearFaults();
    await rm(dir, { recursive: true, force: true });
  });

  /** No LOG_FORMAT: the CLI decides by itself that it is on a terminal. */
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm-256color', HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK, AWS_EC2_METADATA_DISABLED: 'true' });
  // The shell traps Ctrl-C so that it outlives the CLI it interrupts and prints its exit code.
  const cli = (args: string) => `trap : INT; '${process.execPath}' '${CLI}' ${args} --config '${join(dir, 'config.yaml')}'; echo "exit $?"; sleep 600`;
  const slowArchived = (lines: string[]) => lines.some((l) => l.includes(`archived orders-cache ${slowFile}`));

  /** While the CLI runs, each screen holds log lines and, last, at most one status line, never one glued to another. */
  function expectClean(lines: string[]): void {
    const end = lines.findIndex((l) => /^exit \d+$/.test(l));
    const output = end === -1 ? lines : lines.slice(0, end);
    // The terminal itself echoes Ctrl-C as "^C" where the cursor is.
    const body = (STATUS_LINE.test(output.at(-1) ?? '') ? output.slice(0, -1) : output).map((l) => l.replace(/^\^C/, ''));
    expect(body.filter((l) => !LOG_LINE.test(l))).toEqual([]);
    expect(body.filter((l) => /\d+\/\d+ files, .* in flight/.test(l))).toEqual([]);
  }

  it('draws the progress line in place during a slow transfer, never glues a log line to it, and ends with a summary', async () => {
    pane = await Pane.start(dir, cli('archive'), env());
    // During the slow transfer: the other files are archived above, the status line is last.
    const during = await pane.waitFor((lines) => /^11\/12 files, .* at .*\/s, 1 in flight$/.test(lines.at(-1) ?? ''), 30_000);
    expect(slowArchived(during)).toBe(false);
    expect(during.filter((l) => /INFO: archived /.test(l))).toHaveLength(11);
    const later = await pane.waitFor((lines) => STATUS_LINE.test(lines.at(-1) ?? '') && lines.at(-1) !== during.at(-1), 10_000);
    expect(slowArchived(later)).toBe(false);

    const final = await pane.waitFor((lines) => lines.includes('exit 0'), 60_000);
    for (const lines of pane.captures) expectClean(lines);
    const output = final.slice(0, final.indexOf('exit 0'));
    const archived = output.filter((l) => /INFO: archived /.test(l));
    expect(archived).toHaveLength(12);
    for (const line of archived) expect(line).toMatch(/INFO: archived (orders-cache|sessions) redis_\S+\.log: \d+(\.\d)? KiB in \d+\.\d s \(\d+(\.\d)? (B|KiB|MiB)\/s\)$/);
    expect(output.join('\n')).not.toContain(ORDERS);
    expect(output.join('\n')).not.toContain(SESSIONS);
    expect(output.at(-1)).toMatch(/INFO: pass finished, ok: 12 archived \(.+\), 0 skipped, 0 failed, .* in \d+\.\d s$/);
  });

  it('shows the same progress during a pass of schedule', async () => {
    pane = await Pane.start(dir, cli('schedule --run-now'), env());
    const during = await pane.waitFor((lines) => STATUS_LINE.test(lines.at(-1) ?? ''), 30_000);
    expect(slowArchived(during)).toBe(false);
    await pane.waitFor((lines) => lines.some((l) => /INFO: next pass/.test(l)), 60_000);
    await pane.keys('C-c');
    const final = await pane.waitFor((lines) => lines.includes('exit 0'), 30_000);
    for (const lines of pane.captures) expectClean(lines);
    expect(final.filter((l) => /INFO: archived (orders-cache|sessions) /.test(l))).toHaveLength(12);
    expect(final.some((l) => /INFO: pass finished, ok: 12 archived/.test(l))).toBe(true);
  });
});
