import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Four test tiers, one vitest project each, chosen by folder: `npm run test:unit` (and
 * test:contract, test:e2e, test:faults) runs one; `vitest run` runs them all.
 *
 * The rule for test/unit/: it needs nothing started beforehand (no bucket server, no build of
 * dist/), and every test in it finishes well under a second (on the 2-core CI machine nearly
 * all take a few ms, the slowest about half a second). In-process servers on a loopback port
 * (the DCS simulator, a stub HTTP server) and short `node -e` probes are fine there; a test
 * that waits out a real timeout or a hang, or runs the built CLI, is not a unit test: it goes
 * to test/faults/ (failures injected) or test/e2e/ (the built CLI as users run it).
 *
 * Only the tiers that need a bucket get the Swift global setup; it starts one server for all
 * of them (test/support/global-setup.ts). The leak scan is the root config's own global setup,
 * so it runs once for whatever projects run, and scans the output of every CLI run of them.
 */
const shared = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
} satisfies TestProjectInlineConfiguration['test'];

const BUCKET = 'test/support/global-setup.ts';
const TIERS = ['unit', 'contract', 'e2e', 'faults'];

// A test file outside the four folders would belong to no project and silently never run.
const stray = readdirSync(fileURLToPath(new URL('test', import.meta.url)), { recursive: true, encoding: 'utf8' }).filter(
  (path) => path.endsWith('.test.ts') && !TIERS.includes(path.split(sep)[0]!),
);
if (stray.length > 0) throw new Error(`test files outside test/{${TIERS.join(',')}}/ would never run; move them into a tier: ${stray.join(', ')}`);

export default defineConfig({
  test: {
    globalSetup: ['test/support/leak-scan.ts'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'contract', include: ['test/contract/**/*.test.ts'], globalSetup: [BUCKET] } },
      { test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: [BUCKET] } },
      { test: { ...shared, name: 'faults', include: ['test/faults/**/*.test.ts'], globalSetup: [BUCKET] } },
    ],
  },
});
