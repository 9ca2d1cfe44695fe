import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The CLI's one start-up setting, --max-semi-space-size (README "Memory"): V8 otherwise grows its
 * young generation to 16 MiB semi-spaces over a long transfer, and the peak of a 1 GiB file ends
 * some 20 MiB above a small one's. It is given where the process starts, never changed at run
 * time, so every way of starting it must say the same.
 */
const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const shebang = read('src/cli.ts').split('\n', 1)[0]!;
const flags = /^#!\/usr\/bin\/env -S node((?: --[\w-]+=\S+)+)$/.exec(shebang)?.[1]?.trim().split(' ') ?? [];

describe('the start-up flags', () => {
  it('are on the CLI shebang', () => {
    expect(flags).toContain('--max-semi-space-size=4');
  });

  it('are accepted by this Node', () => {
    expect(execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });

  it('are on the image entrypoint', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...flags, 'dist/cli.js']);
  });

  it('are on the npm scripts that start the CLI', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['archive', 'start']) expect(scripts[name], name).toMatch(new RegExp(`^node ${flags.join(' ')} dist/cli\\.js `));
  });
});
