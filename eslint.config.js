import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which way imports point in src/, bottom layer first: a module may import its own layer and
 * the layers before it, never a later one. Data flows config → targets → collect → plan →
 * transfer → records → report; the edge (CLI, commands, logs, metrics, progress, server) sits
 * on top. The shape of a record and the bucket's keys come early because the planner reads
 * records; writing them (the book) comes after the transfer.
 */
const LAYERS = [
  ['errors.ts', 'retry.ts', 'task-pool.ts', 'redact.ts', 'calendar.ts', 'redis-log/'],
  ['config/', 'dcs/', 'http/', 'store/', 'schedule/'],
  ['records/record.ts', 'records/layout.ts', 'records/retention.ts'],
  ['plan/'],
  ['events.ts'],
  ['collect/', 'transfer/'],
  ['records/book.ts', 'records/run-report.ts', 'records/catalog.ts', 'records/runs.ts'],
  ['pass/', 'verify/', 'read/'],
  ['cli.ts', 'commands/', 'log.ts', 'event-log.ts', 'metrics.ts', 'progress.ts', 'pass-output.ts', 'terminal.ts', 'server.ts'],
];

/** How a file of `entry` spells an import of `other` (src/ has one level of folders). */
function specifier(entry, other) {
  const from = path.posix.dirname(path.posix.join('src', entry.endsWith('/') ? `${entry}x.ts` : entry));
  const to = path.posix.join('src', other.endsWith('/') ? other : other.replace(/\.ts$/, '.js'));
  const relative = path.posix.relative(from, to) || '.';
  const spelled = relative.startsWith('.') ? relative : `./${relative}`;
  return other.endsWith('/') ? { group: [`${spelled}/*`] } : { name: spelled };
}

const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((entry) => {
    const later = LAYERS.slice(index + 1).flat();
    const forbidden = later.map((other) => specifier(entry, other));
    const message = `imports point down the layers (see LAYERS in eslint.config.js): ${entry} may not import a later layer`;
    return {
      files: [entry.endsWith('/') ? `src/${entry}**/*.ts` : `src/${entry}`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: forbidden.filter((f) => f.name).map((f) => ({ name: f.name, message })),
            patterns: forbidden.filter((f) => f.group).map((f) => ({ group: f.group, message })),
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  ...layerRules,
  {
    files: ['test/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  // The simulator checks what the product sends with its own code (its own signer), not the
  // product's. (The other way round, tsconfig.build.json's rootDir makes src/ importing sim/ a
  // build error.)
  {
    files: ['sim/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/src', '**/src/**', '**/dist/**'], message: 'sim/ stands apart from the product: the demo runs dist/cli.js as a child process.' }] }] },
  },
);
