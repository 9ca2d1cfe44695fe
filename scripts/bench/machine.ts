/** What the figures were measured on: they mean little without it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  swift: string;
  packages: Record<string, string>;
  date: string;
  gitCommit: string;
  /** src/ had uncommitted changes when the bench ran (the build measured includes them). */
  srcDirty: boolean;
}

const PACKAGES = ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'undici', 'p-limit', 'pino', 'tsx', 'typescript'];

export function describeMachine(root: string): Machine {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      packages[name] = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      packages[name] = 'not installed';
    }
  }
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  packages[own.name] = own.version;
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    swift: quiet(() => execFileSync('dpkg-query', ['-W', '-f=${Version}', 'swift-proxy'], { encoding: 'utf8' }).trim()) ?? 'unknown',
    packages,
    date: new Date().toISOString(),
    gitCommit: quiet(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()) ?? 'unknown',
    srcDirty: (quiet(() => execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim()) ?? '') !== '',
  };
}

function quiet(fn: () => string): string | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
