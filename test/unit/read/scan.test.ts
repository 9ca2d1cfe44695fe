import { describe, expect, it } from 'vitest';
import { compileMatcher, type MatchOptions } from '../../../src/read/match.js';
import { MatchScanner } from '../../../src/read/scan.js';

const TEXT = [
  '1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 42',
  '',
  '1:S 14 Nov 2026 02:00:01.000 # MASTER MODE enabled',
  'MASTER at the start',
  'ends with MASTER',
  'caché ünïcode MASTER',
  '',
  'x',
  'a line cut by rotation, no newline: MAST',
].join('\n');

/** What grep does: every line on its own. */
function perLine(text: string, pattern: string, options: MatchOptions): Array<[string, number]> {
  const matcher = compileMatcher(pattern, options);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.flatMap((line, i): Array<[string, number]> => (matcher.test(line) ? [[line, i + 1]] : []));
}

function scanned(text: string, pattern: string, options: MatchOptions, chunkSize: number): Array<[string, number]> {
  const matcher = compileMatcher(pattern, options);
  const out: Array<[string, number]> = [];
  const scanner = new MatchScanner({ ...matcher, block: matcher.block! }, (line, number) => out.push([line, number]));
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += chunkSize) scanner.push(bytes.subarray(at, at + chunkSize));
  scanner.end();
  return out;
}

const PLAIN = { fixedStrings: false, ignoreCase: false };
const CASES: Array<[string, MatchOptions]> = [
  ['MASTER', { fixedStrings: true, ignoreCase: false }],
  ['MAST', { fixedStrings: true, ignoreCase: false }],
  ['MASTER\n', { fixedStrings: true, ignoreCase: false }],
  ['master', { fixedStrings: true, ignoreCase: true }],
  ['^MASTER', PLAIN],
  ['MASTER$', PLAIN],
  ['^$', PLAIN],
  ['', PLAIN],
  ['x*', PLAIN],
  ['\\s+1:S', PLAIN],
  ['MASTER\\n1', PLAIN],
  ['[^a]+MASTER', PLAIN],
  ['ün.code', PLAIN],
  ['saving|enabled', PLAIN],
  ['MASTER|saving', PLAIN],
  ['x|MASTER|MAST|enabled', PLAIN],
  ['no such text|ünïcode', PLAIN],
  ['no such text|nor this', PLAIN],
  ['1:S 14|MASTER at|cut by', PLAIN],
  ['\\bMASTER\\b', { fixedStrings: false, ignoreCase: true }],
];

describe('MatchScanner', () => {
  it.each(CASES)('finds exactly the lines a per-line match finds for %j (%j), however the bytes are cut', (pattern, options) => {
    const expected = perLine(TEXT, pattern, options);
    for (const size of [1, 2, 3, 7, 16, 64, 1 << 20]) expect(scanned(TEXT, pattern, options, size), `chunks of ${size}`).toEqual(expected);
  });

  it('numbers lines across many chunks and counts the lines without a hit', () => {
    const text = Array.from({ length: 5000 }, (_, i) => (i % 997 === 0 ? `hit ${i}` : `line ${i}`)).join('\n') + '\n';
    const expected = perLine(text, 'hit', PLAIN);
    expect(expected.map(([, n]) => n)).toEqual([1, 998, 1995, 2992, 3989, 4986]);
    expect(scanned(text, 'hit', PLAIN, 4096)).toEqual(expected);
    expect(scanned(text, 'hit', { fixedStrings: true, ignoreCase: false }, 333)).toEqual(expected);
  });
});
