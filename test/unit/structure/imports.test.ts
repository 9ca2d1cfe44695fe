import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Every relative import of every module under src/, type-only ones included, as src-relative paths. */
function importGraph(): Map<string, string[]> {
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split('\\').join('/'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const targets = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)].map((m) =>
      relative(SRC, resolve(SRC, dirname(file), m[1]!.replace(/\.js$/, '.ts'))).split('\\').join('/'),
    );
    graph.set(file, targets.filter((t) => files.includes(t)));
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the import structure of src/', () => {
  it('has no import cycle, not even a type-only one', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(40);
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('keeps the file that defines runOnce short, every module under 400 lines, and no simulator in the product', () => {
    const graph = importGraph();
    const lines = (file: string) => readFileSync(join(SRC, file), 'utf8').split('\n').length;
    const runOnce = [...graph.keys()].filter((file) => /export async function runOnce\b/.test(readFileSync(join(SRC, file), 'utf8')));
    expect(runOnce).toEqual(['pass/run-once.ts']);
    expect(lines('pass/run-once.ts')).toBeLessThanOrEqual(150);
    expect([...graph.keys()].filter((file) => lines(file) > 400)).toEqual([]);
    expect([...graph.keys()].filter((file) => /(^|\/)sim(\/|\.ts$)|simulator/i.test(file))).toEqual([]);
  });
});
